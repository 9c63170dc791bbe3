"""Write a benchmark report folder: report.md, a self-contained index.html, CSV, Parquet, PNGs.

The folder is built next to its destination under a temporary name and renamed into place, so
a reader never sees half a report; an existing folder is replaced only when asked
(``force=True``), and then the old one goes only once the new one is complete.

>>> import pandas as pd
>>> markdown_table(pd.DataFrame({"a": [1.0, 2.5], "b": ["x", "y"]}))
'| a | b |\\n| --- | --- |\\n| 1 | x |\\n| 2.5 | y |'
"""

from __future__ import annotations

import base64
import html
import os
import shutil
import tempfile

import pandas as pd

from harness._files import umask
from reports import _correctness, _derive, _plots
from reports._load import ReportInputError

SECTIONS = (
    ("HVP strategies relative to forward-over-reverse (median time ratio)", _derive.hvp_relative),
    ("Cost ratios: gradient over function, HVP over gradient", _derive.cost_ratios),
    ("Loop and lax.map against vmap (median time ratio)", _derive.vmap_speedup),
    ("jacfwd against jacrev per Jacobian shape", _derive.jacobian_crossover),
    ("Where jacrev and jacfwd cost the same", _derive.crossover_points),
    ("Compile time against steady state (jit), and calls until jit pays off", None),
    ("Achieved FLOP/s and bytes/s of the compiled programs, off the dispatch floor",
     lambda frame: _off_floor(_derive.achieved_flops(frame))),
    ("Noise: IQR over median", _derive.noise),
    ("Median seconds on each device", _derive.across_devices),
)
PLOTS = (
    ("hvp_time_vs_size.png", "HVP time against size (jit)",
     lambda frame, path: _plots.hvp_time_vs_size(frame, path)),
    ("vmap_speedup.png", "Loop and lax.map against vmap",
     lambda frame, path: _plots.speedup_bars(_derive.vmap_speedup(frame), path)),
    ("jacobian_modes.png", "jacrev over jacfwd against outputs",
     lambda frame, path: _plots.jacobian_ratio(_derive.jacobian_crossover(frame), path)),
)


def _off_floor(table: pd.DataFrame) -> pd.DataFrame:
    if table.empty:
        return table
    kept = table[~table["at_dispatch_floor"].astype(bool)]
    return kept.drop(columns="at_dispatch_floor").sort_values(
        ["device", "family", "workload", "strategy", "size"]).reset_index(drop=True)


def _format(value) -> str:
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        return f"{value:.4g}"
    return str(value)


def markdown_table(table: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table of ``table`` (numbers to 4 significant digits)."""
    header = "| " + " | ".join(map(str, table.columns)) + " |"
    rule = "| " + " | ".join("---" for _ in table.columns) + " |"
    body = ["| " + " | ".join(_format(v) for v in row) + " |" for row in table.itertuples(
        index=False)]
    return "\n".join([header, rule, *body])


def _compile_summary(frame: pd.DataFrame) -> pd.DataFrame:
    table = _derive.compile_payoff(frame)
    if table.empty:
        return table
    return table.groupby(["device", "family"])[
        ["compile_s", "jit_s", "compile_over_call", "calls_to_pay_off"]].median().reset_index()


def tables(frame: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """The report's tables, titled, leaving out those the runs give nothing for."""
    out = []
    for title, derive in SECTIONS:
        table = derive(frame) if derive else _compile_summary(frame)
        if not table.empty:
            out.append((title, table))
    return out


def _runs(frame: pd.DataFrame) -> pd.DataFrame:
    columns = [c for c in ("source", "device", "jax_version", "jaxlib_version", "commit",
                           "XLA_FLAGS") if c in frame]
    counts = frame.groupby("source").size().rename("benchmarks")
    return frame[columns].drop_duplicates("source").join(counts, on="source")


def write_report(frame: pd.DataFrame | None, out: str | os.PathLike, *, force: bool = False,
                 title: str = "adharness report",
                 correctness: pd.DataFrame | None = None) -> list[str]:
    """Write the report of ``frame`` (benchmarks) and ``correctness`` (property test
    outcomes, from ``load_junit``) into the folder ``out``; returns the files' names.

    Raises:
        ReportInputError: ``out`` exists and is not empty and ``force`` is False, or it is a
            file.
    """
    out = os.path.abspath(os.fspath(out))
    if os.path.isfile(out):
        raise ReportInputError(f"{out}: is a file; --out names the report's folder")
    if os.path.isdir(out) and os.listdir(out) and not force:
        raise ReportInputError(f"{out}: exists and is not empty; pass --force to replace it")
    parent = os.path.dirname(out)
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(dir=parent, prefix=".adharness-report-")
    os.chmod(staging, 0o777 & ~umask())
    try:
        names = _write_files(frame, staging, title=title, correctness=correctness)
        if os.path.exists(out):
            retired = tempfile.mkdtemp(dir=parent, prefix=".adharness-old-")
            os.rename(out, os.path.join(retired, "report"))
            os.rename(staging, out)
            shutil.rmtree(retired)
        else:
            os.rename(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return names


def _write_files(frame: pd.DataFrame | None, folder: str, *, title: str,
                 correctness: pd.DataFrame | None = None) -> list[str]:
    names, sections, plots = [], [], []
    if frame is not None:
        plain = frame.drop(columns=["data"], errors="ignore")
        plain.to_csv(os.path.join(folder, "results.csv"), index=False)
        names.append("results.csv")
        try:
            plain.to_parquet(os.path.join(folder, "results.parquet"), index=False)
            names.append("results.parquet")
        except ImportError:  # pyarrow (or fastparquet) is optional
            pass
        for name, caption, draw in PLOTS:
            if draw(frame, os.path.join(folder, name)):
                plots.append((name, caption))
                names.append(name)
        sections += [("Runs", _runs(frame)), *tables(frame)]
    if correctness is not None:
        grid = _correctness.matrix(correctness)
        grid.to_csv(os.path.join(folder, "correctness.csv"), index=False)
        names.append("correctness.csv")
        sections += [("Correctness: outcomes per backend", _correctness.summary(correctness)),
                     ("Correctness: property x function x dtype x backend", grid)]
    with open(os.path.join(folder, "report.md"), "w", encoding="utf-8") as file:
        file.write(f"# {title}\n\n")
        for caption_title, table in sections:
            file.write(f"## {caption_title}\n\n{markdown_table(table)}\n\n")
        for name, caption in plots:
            file.write(f"## {caption}\n\n![{caption}]({name})\n\n")
    names.append("report.md")
    with open(os.path.join(folder, "index.html"), "w", encoding="utf-8") as file:
        file.write(_html(title, sections, plots, folder))
    names.append("index.html")
    return names


def _html(title: str, sections, plots, folder: str) -> str:
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}"
             "</title><style>body{font-family:sans-serif;margin:2em}table{border-collapse:"
             "collapse;font-size:12px;margin-bottom:1.5em}td,th{border:1px solid #ccc;padding:"
             "2px 6px;text-align:right}img{max-width:100%}</style></head><body>",
             f"<h1>{html.escape(title)}</h1>"]
    for caption, table in sections:
        formatted = table.map(_format) if hasattr(table, "map") else table.applymap(_format)
        parts.append(f"<h2>{html.escape(caption)}</h2>")
        parts.append(formatted.to_html(index=False, escape=True, classes="results"))
    for name, caption in plots:
        with open(os.path.join(folder, name), "rb") as image:
            encoded = base64.b64encode(image.read()).decode("ascii")
        parts.append(f"<h2>{html.escape(caption)}</h2><img alt='{html.escape(caption)}' "
                     f"src='data:image/png;base64,{encoded}'>")
    # Once loaded, the page counts what rendered: a headless browser's DOM dump shows it.
    parts.append("<script>window.addEventListener('load', function () {"
                 "var images = Array.from(document.images);"
                 "document.body.dataset.imagesRendered = images.filter(function (i) {"
                 "return i.complete && i.naturalWidth > 0; }).length;"
                 "document.body.dataset.tablesRendered = Array.from("
                 "document.querySelectorAll('table')).filter(function (t) {"
                 "return t.rows.length > 1 && t.getBoundingClientRect().height > 0; }).length;"
                 "});</script>")
    parts.append("</body></html>")
    return "\n".join(parts)
