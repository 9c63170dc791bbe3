"""How much rounding a result may carry: the error budget, the running-error magnitudes
|J| |t| of a derivative, and a rounding bound carried through a jaxpr."""
