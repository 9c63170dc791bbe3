"""Reports: loading pytest-benchmark JSON into a tidy frame, bad input, and derived tables."""

from __future__ import annotations

import json
import pathlib

import pandas as pd
import pytest

from reports import _derive
from reports._load import ReportInputError, load_runs

REPOSITORY = pathlib.Path(__file__).resolve().parents[1]

RESULTS = REPOSITORY / "suites" / "bench" / "results"
H100 = sorted((RESULTS / "h100").glob("*.json"))


def _bench(strategy, median, *, family="hvp", workload="w", size=10, mode="jit", **extra):
    return {"name": f"test_{family}[{workload}-{strategy}-{mode}-{size}]", "group": family,
            "size_label": str(size),
            "params": {}, "stats": {"median": median, "min": median, "iqr": median / 10,
                                    "rounds": 5, "data": [median] * 5},
            "extra_info": {"family": family, "workload": workload, "strategy": strategy,
                           "size": size, "size_label": str(size), "mode": mode,
                           "compile_s": 0.5, "flops": 1e6,
                           "bytes_accessed": 1e3, "at_dispatch_floor": False, **extra}}


def _write(tmp_path, benchmarks, name="run.json", device="cpu"):
    path = tmp_path / name
    path.write_text(json.dumps({"machine_info": {"jax_backend": "cpu", "device_kind": device},
                                "commit_info": {"id": "abc"}, "benchmarks": benchmarks}))
    return path


@pytest.mark.parametrize(("content", "message"), [
    (None, "no such file"),
    ("", "is empty; pytest-benchmark writes it only when the run ends"),
    ('{"machine_info": {}, "bench', "is not valid JSON (Unterminated string"),
    ('[1, 2]', "is JSON but not pytest-benchmark's results"),
    ('{"machine_info": {}, "benchmarks": []}', "holds no benchmarks (an empty run)"),
    ('{"machine_info": {}, "benchmarks": [{"name": "x"}]}', "benchmark 0 has no name or no stats"),
])
def test_bad_files_are_named_with_what_is_wrong(tmp_path, content, message):
    path = tmp_path / "bad.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(ReportInputError, match=r"bad\.json: .*") as error:
        load_runs([path])
    assert message in str(error.value)


def test_a_missing_file_beside_its_partial_points_at_the_partial(tmp_path):
    (tmp_path / "run.json.partial").write_text("{}")
    with pytest.raises(ReportInputError, match=r"run\.json: no such file, but run\.json\.partial"):
        load_runs([tmp_path / "run.json"])


def test_no_files_is_an_error():
    with pytest.raises(ReportInputError, match="no results files given"):
        load_runs([])


def test_a_run_becomes_one_row_per_benchmark_with_machine_and_extra_info(tmp_path):
    path = _write(tmp_path, [_bench("fwd_over_rev", 2.0), _bench("rev_over_rev", 3.0)])
    frame = load_runs([path])
    assert len(frame) == 2 and set(frame["device"]) == {"cpu:cpu"}
    assert list(frame["strategy"]) == ["fwd_over_rev", "rev_over_rev"]
    assert frame["commit"].tolist() == ["abc", "abc"] and frame["data"][0] == [2.0] * 5


def test_hvp_times_are_relative_to_forward_over_reverse(tmp_path):
    path = _write(tmp_path, [_bench(s, t) for s, t in (
        ("fwd_over_rev", 2.0), ("rev_over_fwd", 3.0), ("rev_over_rev", 4.0),
        ("full_hessian", 20.0), ("value", 0.5), ("grad", 1.0))])
    frame = load_runs([path])
    row = _derive.hvp_relative(frame).iloc[0]
    assert (row["rev_over_fwd"], row["rev_over_rev"], row["full_hessian"]) == (1.5, 2.0, 10.0)
    costs = _derive.cost_ratios(frame).iloc[0]
    assert (costs["grad_over_value"], costs["hvp_over_grad"]) == (2.0, 2.0)


def test_vmap_speedup_and_compile_payoff(tmp_path):
    benches = [_bench(s, t, family="loop_vs_vmap") for s, t in (
        ("mjp_loop", 8.0), ("mjp_map", 4.0), ("mjp_vmap", 1.0))]
    benches.append(_bench("mjp_vmap", 2.0, family="loop_vs_vmap", mode="eager"))
    frame = load_runs([_write(tmp_path, benches)])
    speed = _derive.vmap_speedup(frame)
    jit = speed[speed["mode"] == "jit"].iloc[0]
    assert (jit["loop_over_vmap"], jit["map_over_vmap"]) == (8.0, 4.0)
    payoff = _derive.compile_payoff(frame)
    vmap = payoff[payoff["strategy"] == "mjp_vmap"].iloc[0]
    assert vmap["calls_to_pay_off"] == 1.0  # 0.5 s of compiling saves 1 s per call


def test_jacobian_crossover_is_interpolated_between_shapes(tmp_path):
    benches = []
    for rows, rev_over_fwd in ((4, 0.25), (16, 0.5), (64, 2.0), (256, 8.0)):
        for strategy, t in (("jacfwd", 1.0), ("jacrev", rev_over_fwd),
                            ("vmap_jacfwd", 1.0), ("vmap_jacrev", rev_over_fwd)):
            benches.append(_bench(strategy, t, family="jacobian", workload="tanh_affine",
                                  size=64, rows=rows, columns=64,
                                  shape_kind="tall" if rows > 64 else "wide"))
    frame = load_runs([_write(tmp_path, benches)])
    point = _derive.crossover_points(frame).iloc[0]
    assert point["inputs"] == 64 and point["outputs_at_crossing"] == pytest.approx(32.0)


def test_the_committed_h100_results_load_and_derive():
    frame = load_runs(H100)
    assert {"hvp", "jacobian"} <= set(frame["family"])
    assert set(frame["jax_backend"]) == {"gpu"}
    assert not _derive.hvp_relative(frame).empty and not _derive.noise(frame).empty


# ---- compare ----------------------------------------------------------------------------------

def test_a_run_compared_with_itself_has_no_change():
    from reports._compare import compare_runs

    frame = load_runs(H100[:1])
    result = compare_runs(frame, frame)
    assert set(result["verdict"]) == {"same"} and (result["change"] == 0).all()


def test_three_times_slower_is_slower_and_noise_is_not(tmp_path):
    from reports._compare import compare_runs

    rounds = [1.0, 1.1, 0.9, 1.05, 0.95, 1.02, 0.98, 1.0]
    base = [_bench("a", 1.0), _bench("b", 1.0)]
    for bench in base:
        bench["stats"].update(data=rounds, q1=0.97, q3=1.03)
    new = json.loads(json.dumps(base))
    new[0]["stats"].update(median=3.0, data=[3 * t for t in rounds], q1=2.9, q3=3.1)
    new[1]["stats"].update(median=1.01, data=[t * 1.01 for t in rounds[::-1]])
    result = compare_runs(load_runs([_write(tmp_path, base, "base.json")]),
                          load_runs([_write(tmp_path, new, "new.json")]))
    assert result["verdict"].tolist() == ["slower", "same"]


def test_runs_from_different_devices_are_refused_unless_asked(tmp_path):
    from reports._compare import compare_runs

    cpu = load_runs([_write(tmp_path, [_bench("a", 1.0)], "cpu.json")])
    gpu = load_runs([_write(tmp_path, [_bench("a", 0.1)], "gpu.json", device="H100")])
    with pytest.raises(ReportInputError, match="BASE ran on cpu:cpu and NEW on cpu:H100"):
        compare_runs(cpu, gpu)
    assert compare_runs(cpu, gpu, cross_device=True)["verdict"].tolist() == ["faster"]


# ---- the command line -------------------------------------------------------------------------

def _adharness(*args):
    from harness.cli import main

    return main(list(args))


def test_report_writes_html_markdown_and_plots_and_will_not_overwrite(tmp_path, capsys):
    out = tmp_path / "report"
    assert _adharness("report", *map(str, H100), "--out", str(out)) == 0
    names = {p.name for p in out.iterdir()}
    assert {"index.html", "report.md", "results.csv"} <= names
    assert len([n for n in names if n.endswith(".png")]) >= 2
    html = (out / "index.html").read_text()
    assert html.count("<table") >= 3 and "data:image/png;base64," in html
    assert _adharness("report", str(H100[0]), "--out", str(out)) == 2
    assert "exists and is not empty; pass --force" in capsys.readouterr().err
    assert _adharness("report", str(H100[0]), "--out", str(out), "--force") == 0
    assert not list(tmp_path.glob(".adharness-*"))  # no staging folder left behind


def test_compare_exits_0_on_the_same_run_and_1_when_one_benchmark_is_3x_slower(tmp_path):
    run = json.loads(H100[-1].read_text())
    slower = json.loads(json.dumps(run))
    stats = slower["benchmarks"][0]["stats"]
    for key in ("min", "max", "mean", "median", "q1", "q3"):
        stats[key] *= 3
    stats["data"] = [3 * t for t in stats["data"]]
    (tmp_path / "slower.json").write_text(json.dumps(slower))
    assert _adharness("compare", str(H100[-1]), str(H100[-1])) == 0
    assert _adharness("compare", str(H100[-1]), str(tmp_path / "slower.json")) == 1


def test_history_records_a_run_once_and_shows_its_trend(tmp_path, capsys):
    db = str(tmp_path / "history.sqlite")
    assert _adharness("history", "--db", db, "--add", str(H100[-1]), "--name", "*jacrev-jit*") == 0
    first = capsys.readouterr().out
    assert "recorded 1 new run(s)" in first and "tanh_affine-jacrev-jit-512x8192" in first
    assert _adharness("history", "--db", db, "--add", str(H100[-1])) == 0
    assert "recorded 0 new run(s)" in capsys.readouterr().out


def test_a_corrupt_file_is_a_usage_error_naming_it(tmp_path, capsys):
    bad = tmp_path / "cut.json"
    bad.write_text(H100[-1].read_text()[:500])
    assert _adharness("compare", str(bad), str(H100[-1])) == 2
    assert "cut.json: is not valid JSON" in capsys.readouterr().err


def _browser():
    import shutil

    return next(filter(None, map(shutil.which, ("chromium", "chromium-browser",
                                                "google-chrome"))), None)


@pytest.mark.skipif(_browser() is None, reason=(
    "no headless chromium here: install Debian's chromium (.ci/run does where apt can)"))
def test_the_html_report_renders_its_tables_and_images_in_a_real_browser(tmp_path):
    import re
    import subprocess

    out = tmp_path / "report"
    assert _adharness("report", *map(str, H100), "--out", str(out)) == 0
    dom = subprocess.run(
        [_browser(), "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=10000",
         "--dump-dom", (out / "index.html").as_uri()],
        capture_output=True, text=True, timeout=120).stdout
    body = re.search(r"<body[^>]*>", dom).group(0)
    images = int(re.search(r'data-images-rendered="(\d+)"', body).group(1))
    tables = int(re.search(r'data-tables-rendered="(\d+)"', body).group(1))
    assert images == dom.count("<img") >= 2
    assert tables == dom.count("<table") >= 5


# ---- correctness matrix -----------------------------------------------------------------------

JUNIT = """<testsuites><testsuite name="pytest">
<testcase classname="suites.test_catalog_properties" name="test_jvp_matches_oracle[tanh-float32]">
  <properties><property name="jax_backend" value="gpu"/></properties></testcase>
<testcase classname="suites.test_catalog_properties" name="test_jvp_matches_oracle[sinc-float64]">
  <properties><property name="jax_backend" value="gpu"/></properties>
  <skipped type="pytest.xfail" message="known bug"/></testcase>
<testcase classname="suites.test_catalog_properties" name="test_vjp_matches_oracle[tanh-float32]">
  <properties><property name="jax_backend" value="gpu"/></properties>
  <failure message="DerivativeMismatch">trace</failure></testcase>
<testcase classname="suites.test_catalog_properties" name="test_hvp_is_symmetric[tanh-float32]">
  <properties><property name="jax_backend" value="gpu"/></properties>
  <skipped type="pytest.skip" message="n/a"/></testcase>
<testcase classname="tests.test_cli" name="test_something_else"/>
</testsuite></testsuites>"""


def test_the_correctness_matrix_shows_pass_fail_xfail_and_skip(tmp_path):
    xml = tmp_path / "suites.xml"
    xml.write_text(JUNIT)
    out = tmp_path / "report"
    assert _adharness("report", "--correctness", str(xml), "--out", str(out)) == 0
    grid = pd.read_csv(out / "correctness.csv").fillna("")
    tanh = grid[grid["function"] == "tanh"].iloc[0]
    assert (tanh["backend"], tanh["jvp_matches_oracle"], tanh["vjp_matches_oracle"],
            tanh["hvp_is_symmetric"]) == ("gpu", "pass", "FAIL", "skip")
    assert grid[grid["function"] == "sinc"].iloc[0]["jvp_matches_oracle"] == "xfail"
    assert "Correctness: property x function x dtype x backend" in (out / "report.md").read_text()


def test_a_junit_file_without_property_tests_or_not_xml_is_refused(tmp_path, capsys):
    other = tmp_path / "other.xml"
    other.write_text("<testsuites><testsuite><testcase name='test_x'/></testsuite></testsuites>")
    assert _adharness("report", "--correctness", str(other), "--out", str(tmp_path / "r")) == 2
    assert "other.xml: holds no property tests" in capsys.readouterr().err
    other.write_text("<testsuites><testsuite>")
    assert _adharness("report", "--correctness", str(other), "--out", str(tmp_path / "r")) == 2
    assert "other.xml: is not valid XML" in capsys.readouterr().err


def test_verify_suites_runs_pytest_with_the_backend_asked_for(capsys):
    """A backend this machine lacks stops the suites at once with the plugin's usage error."""
    import jax

    if jax.default_backend() != "cpu":
        pytest.skip("needs a machine without a TPU")
    assert _adharness("verify", "--suites", "--backend", "tpu") not in (0, None)


def test_the_example_ci_workflow_uses_commands_that_exist():
    from harness.cli._main import _parser

    workflow = (pathlib.Path(__file__).resolve().parents[1] / "docs" / "ci-workflow.yml")
    commands = [line.split("run: ", 1)[1] for line in workflow.read_text().splitlines()
                if "run: adharness" in line]
    assert len(commands) == 5
    for command in commands:
        _parser().parse_args(command.split()[1:])  # exits 2 on an unknown option


def test_bench_writes_the_json_records_history_and_will_not_overwrite(tmp_path, capsys):
    out, db = tmp_path / "some" / "other" / "run.json", tmp_path / "history.sqlite"
    arguments = ("bench", "--out", str(out), "--only", "tanh_affine and 64x64 and jit",
                 "--history", str(db))
    assert _adharness(*arguments) == 0
    run = json.loads(out.read_text())
    assert len(run["benchmarks"]) == 4 and run["machine_info"]["adh_bench_preset"] == "quick"
    assert "recorded 1 run" in capsys.readouterr().out
    assert not list(tmp_path.rglob("*.partial")) and not list(REPOSITORY.rglob("*.partial"))
    assert _adharness("history", "--db", str(db), "--name", "*jacfwd*") == 0
    assert "tanh_affine-jacfwd-jit-64x64" in capsys.readouterr().out
    assert _adharness(*arguments) == 2
    assert "exists; pass --force" in capsys.readouterr().err
