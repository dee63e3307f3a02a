"""Warm kernels (issue 15): notebooks run in kernels forked from a preloaded server, and
nothing of one notebook reaches the next — a failure, its globals, matplotlib state, the
working directory, environment variables, an edited module — while what a notebook shows is
what a cold kernel shows.

One kernel server per module (preloading json, pandas, pyplot and a small package of the
test's own, ``warm_probe``, that the code-change test edits); each test runs notebooks with
:func:`analysis.pipeline.tasks.run_task`, one after the other, on that server.
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from analysis.pipeline import kernels
from analysis.pipeline.tasks import TaskSpec, render_plain_html, run_task

pytestmark = pytest.mark.skipif(not kernels.enabled(), reason="warm kernels need os.fork")

PROBE_VALUE = "VALUE = {value}\n"


@pytest.fixture(scope="module")
def warm(tmp_path_factory):
    """``(server, folder)``: a kernel server that preloaded json, pandas, pyplot and warm_probe."""
    folder = tmp_path_factory.mktemp("warm")
    package = folder / "lib" / "warm_probe"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(PROBE_VALUE.format(value=1), encoding="utf-8")
    saved = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(folder / "lib"), saved]))
    server = kernels.KernelServer.start(("json", "pandas", "matplotlib.pyplot", "warm_probe"))
    assert server is not None
    status = server.wait_ready()
    assert status and "warm_probe" in status["loaded"] and not status["excluded"]
    kernels.use(server.address)
    try:
        yield server, folder
    finally:
        kernels.use(None)
        server.stop()
        if saved is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = saved


def run(folder: Path, name: str, *cells: str, timeout: int = 60):
    """Run a notebook of ``cells`` (its first cell says which process ran it); returns
    ``(result, texts printed by each cell, the executed notebook)``."""
    notebook = new_notebook(
        cells=[new_code_cell("import os as _os\nprint('kernel', _os.getpid(), _os.getppid())"),
               *(new_code_cell(c) for c in cells)],
        metadata={"kernelspec": {"name": "plan-eval", "display_name": "plan-eval",
                                 "language": "python"}})
    source = folder / "notebooks" / f"{name}.ipynb"
    source.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, source)
    spec = TaskSpec(task_id=name, stage="chapter", plan="demo", chapter=None,
                    notebook=str(source), parameters={},
                    executed_path=str(folder / "out" / f"{name}.ipynb"),
                    failed_dir=str(folder / "failed"), timeout=timeout)
    result = run_task(spec)
    kept = Path(result.executed_path) if result.executed_path else None
    executed = json.loads(kept.read_text(encoding="utf-8")) if kept else {"cells": []}
    executed["cells"] = [c for c in executed["cells"] if c["cell_type"] == "code"]  # no banner
    texts = ["".join("".join(o.get("text", "")) for o in c.get("outputs", []))
             for c in executed["cells"]]
    return result, texts, executed


def assert_warm(server: kernels.KernelServer, texts: list[str]) -> int:
    """The notebook ran in a kernel forked by ``server``; returns the kernel's pid."""
    _, pid, parent = texts[0].split()
    assert int(parent) == server.pid, "the kernel was not forked by the warm server"
    assert kernels.last_mode() == "warm"
    return int(pid)


# --------------------------------------------------------------------------- one test per leak


def test_a_failure_or_a_crash_does_not_reach_the_next_notebook(warm):
    server, folder = warm
    failed, texts, _ = run(folder, "fails", "raise RuntimeError('deliberate')")
    assert failed.status == "failed" and "RuntimeError: deliberate" in failed.message
    first = assert_warm(server, texts)
    crashed, texts, _ = run(folder, "crashes", "import os\nos._exit(3)")  # the kernel dies
    assert crashed.status == "failed"
    second = assert_warm(server, texts)
    fine, texts, _ = run(folder, "after", "print(1 + 1)")
    assert fine.status == "ok", fine.message
    assert texts[1] == "2\n"
    assert len({first, second, assert_warm(server, texts)}) == 3  # a new process each time
    assert server.status()["pid"] == server.pid  # the server itself lived on


def test_globals_and_changed_modules_do_not_reach_the_next_notebook(warm):
    server, folder = warm
    result, texts, _ = run(folder, "sets", "leaked = 1\nimport builtins, json, warm_probe\n"
                           "builtins.leaked_builtin = 2\njson.leaked_attribute = 3\n"
                           "warm_probe.VALUE = 99\nimport sys\nsys.modules['leaked_module'] = json\n"
                           "print(sorted(k for k in ('leaked', 'json') if k in globals()))")
    assert result.status == "ok" and texts[1] == "['json', 'leaked']\n"
    result, texts, _ = run(folder, "reads", "import builtins, json, sys, warm_probe\n"
                           "print('leaked' in globals(), hasattr(builtins, 'leaked_builtin'), "
                           "hasattr(json, 'leaked_attribute'), 'leaked_module' in sys.modules, "
                           "warm_probe.VALUE)")
    assert result.status == "ok", result.message
    assert_warm(server, texts)
    assert texts[1] == "False False False False 1\n"


def test_matplotlib_state_does_not_reach_the_next_notebook(warm):
    server, folder = warm
    result, texts, _ = run(folder, "plots", "import matplotlib, matplotlib.pyplot as plt\n"
                           "plt.rcParams['lines.linewidth'] = 9\nplt.rcParams['font.size'] = 31\n"
                           "plt.figure(); plt.figure()\nmatplotlib.use('agg')\n"
                           "print(plt.get_fignums(), matplotlib.get_backend())")
    assert result.status == "ok" and texts[1] == "[1, 2] agg\n"
    result, texts, _ = run(folder, "plots_again", "import matplotlib, matplotlib.pyplot as plt\n"
                           "print(plt.rcParams['lines.linewidth'], plt.rcParams['font.size'], "
                           "plt.get_fignums(), matplotlib.get_backend())")
    assert result.status == "ok", result.message
    assert_warm(server, texts)
    assert texts[1] == "1.5 10.0 [] module://matplotlib_inline.backend_inline\n"


def test_a_changed_working_directory_does_not_reach_the_next_notebook(warm, tmp_path):
    server, folder = warm
    result, texts, _ = run(folder, "moves", f"import os\nos.chdir({str(tmp_path)!r})\nprint(os.getcwd())")
    assert result.status == "ok" and texts[1] == f"{tmp_path}\n"
    result, texts, _ = run(folder, "stays", "import os\nprint(os.getcwd())")
    assert result.status == "ok", result.message
    assert_warm(server, texts)
    assert texts[1] == f"{os.getcwd()}\n"  # the directory of the process that asked


def test_environment_variables_do_not_reach_the_next_notebook(warm):
    server, folder = warm
    result, texts, _ = run(folder, "sets_env", "import os\nos.environ['WARM_LEAK'] = '1'\n"
                           "os.environ.pop('PYTHONPATH')\nprint('set')")
    assert result.status == "ok" and texts[1] == "set\n"
    result, texts, _ = run(folder, "reads_env", "import os\n"
                           "print('WARM_LEAK' in os.environ, os.environ.get('PYTHONPATH') == "
                           f"{os.environ['PYTHONPATH']!r}, os.environ['JPY_PARENT_PID'] == "
                           f"'{os.getpid()}')")
    assert result.status == "ok", result.message
    assert_warm(server, texts)
    assert texts[1] == "False True True\n"  # and the kernel's own variables are its own


def test_an_edited_module_is_never_served_stale(warm):
    server, folder = warm
    module = folder / "lib" / "warm_probe" / "__init__.py"
    result, texts, _ = run(folder, "old_code", "import sys, warm_probe\n"
                           "print(warm_probe.VALUE, 'warm_probe' in sys.modules)")
    assert result.status == "ok" and texts[1] == "1 True\n"
    restarts = server.status()["restarts"]
    module.write_text(PROBE_VALUE.format(value=2), encoding="utf-8")
    stamp = time.time() + 2  # a new modification time even on a coarse clock
    os.utime(module, (stamp, stamp))
    result, texts, _ = run(folder, "new_code", "import warm_probe\nprint(warm_probe.VALUE)")
    assert result.status == "ok", result.message
    assert texts[1] == "2\n"
    assert_warm(server, texts)  # a warm kernel still, from a server that imported the edit
    status = server.wait_ready()  # the fresh server preloads the edited module again
    assert status["restarts"] == restarts + 1 and status["pid"] == server.pid
    assert "warm_probe" in status["loaded"]
    result, texts, _ = run(folder, "preloaded_new_code", "import warm_probe\nprint(warm_probe.VALUE)")
    assert result.status == "ok" and texts[1] == "2\n"
    assert server.status()["restarts"] == restarts + 1


# --------------------------------------------------------------------------- same as cold


SAME_CELLS = (
    "import json, sys, warnings\nprint(sys.argv[0].endswith('ipykernel_launcher.py'), __name__)",
    "from IPython.display import HTML, display\ndisplay(HTML('<b>bold</b>'))\n{'a': 1}",
    "warnings.warn('a user warning')\nprint('after the warning', file=sys.stderr)",
    "import io, base64\nfrom matplotlib.figure import Figure\nfig = Figure(figsize=(3, 2))\n"
    "ax = fig.subplots()\nax.plot([1, 3, 2])\nax.set_title('标题 title')\nbuffer = io.BytesIO()\n"
    "fig.savefig(buffer, format='png')\nprint(base64.b64encode(buffer.getvalue()).decode()[:2000])",
    "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\nplt.show()",
    # pandas chooses its display defaults when imported, by whether it runs in a kernel
    "import pandas as pd\nprint(pd.get_option('display.max_columns'), pd.get_option('display.width'))"
    "\npd.DataFrame([[i * j for j in range(30)] for i in range(70)])",
    "import os, signal\nprint(sorted(k for k in os.environ if not k.startswith('JPY')) == "
    "sorted(k for k in os.environ if not k.startswith('JPY')), "
    "signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGPIPE))",
)


def _outputs(executed: dict) -> list[list[dict]]:
    """Every output but the first cell's (the kernel's pid), the pid in ipykernel's cell file
    names (``/tmp/ipykernel_<pid>/…``, different for any two kernels) made one."""
    cells = [[{k: v for k, v in o.items() if k != "execution_count"} for o in c.get("outputs", [])]
             for c in executed["cells"][1:]]
    return json.loads(re.sub(r"ipykernel_\d+", "ipykernel_PID", json.dumps(cells)))


def test_a_warm_kernel_shows_what_a_cold_kernel_shows(warm, monkeypatch):
    server, folder = warm
    result, texts, hot = run(folder, "same_warm", *SAME_CELLS)
    assert result.status == "ok", result.message
    assert_warm(server, texts)
    monkeypatch.setattr(kernels, "_address", None)  # no server: a cold kernel
    result, texts, cold = run(folder, "same_cold", *SAME_CELLS)
    assert result.status == "ok", result.message
    assert kernels.last_mode() == "cold" and int(texts[0].split()[2]) == os.getpid()
    assert _outputs(hot) == _outputs(cold)
    assert any("image/png" in o.get("data", {}) for o in _outputs(cold)[4])  # the inline figure
    pages = [render_plain_html(folder / "out" / f"{name}.ipynb", folder / f"{name}.html",
                               title="same").read_text(encoding="utf-8").split("kernel ", 1)[0]
             for name in ("same_warm", "same_cold")]
    assert pages[0] == pages[1]


def test_a_kernel_spec_that_is_not_ipykernel_is_started_cold():
    assert kernels._server_command(["python", "-m", "ipykernel_launcher", "-f",
                                    "{connection_file}"]) == (["python"], "ipykernel_launcher")
    assert kernels._server_command(["/opt/R/bin/R", "--slave", "-f", "{connection_file}"]) is None
    assert kernels._server_command(["python", "-m", "ipykernel_launcher"]) is None


def test_preloaded_modules_are_what_the_notebooks_import(tmp_path):
    notebook = new_notebook(cells=[new_code_cell("import pandas as pd\nfrom analysis.core import paths"),
                                   new_code_cell("def f():\n    import seaborn\n")])
    path = tmp_path / "n.ipynb"
    nbformat.write(notebook, path)
    modules = kernels.preload_modules([path, path])
    assert modules[:3] == ("pandas", "analysis.core", "analysis.core.paths")  # the cells first
    assert "seaborn" in modules  # imported in a function: still what the kernel will import
    # then the package modules the notebook's code uses, and what they import
    assert {"analysis", "analysis.core.errors"} <= set(modules)
    assert not [m for m in modules if m.partition(".")[0] in kernels.NOT_PRELOADED]


# --------------------------------------------------------------------------- the preload guard


def test_an_import_that_changes_what_others_see_is_not_preloaded(warm, tmp_path, monkeypatch):
    """A module setting matplotlib's rcParams when imported is left to the kernels that import
    it; one setting an environment variable is preloaded, and only the kernels whose notebook
    imports it get the variable (as a cold kernel would)."""
    _, folder = warm
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "warm_sets_rc.py").write_text(
        "import matplotlib\nmatplotlib.rcParams['lines.linewidth'] = 7\n", encoding="utf-8")
    (lib / "warm_sets_env.py").write_text(
        "import os\nos.environ.setdefault('WARM_SET_BY_IMPORT', 'yes')\n", encoding="utf-8")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(lib), os.environ["PYTHONPATH"]]))
    server = kernels.KernelServer.start(("matplotlib", "warm_sets_rc", "warm_sets_env"))
    assert server is not None
    try:
        status = server.wait_ready()
        assert status["excluded"] == ["warm_sets_rc"] and "warm_sets_env" in status["loaded"]
        monkeypatch.setattr(kernels, "_address", server.address)
        result, texts, _ = run(folder, "imports_env", "import os, sys, warm_sets_env\n"
                               "print(os.environ.get('WARM_SET_BY_IMPORT'), "
                               "'warm_sets_rc' in sys.modules)")
        assert result.status == "ok" and texts[1] == "yes False\n"
        assert int(texts[0].split()[2]) == server.pid
        result, texts, _ = run(folder, "no_env", "import os, matplotlib\n"
                               "print(os.environ.get('WARM_SET_BY_IMPORT'), "
                               "matplotlib.rcParams['lines.linewidth'])")
        assert result.status == "ok" and texts[1] == "None 1.5\n"
        result, texts, _ = run(folder, "imports_rc", "import matplotlib, warm_sets_rc\n"
                               "print(matplotlib.rcParams['lines.linewidth'])")
        assert result.status == "ok" and texts[1] == "7.0\n"
    finally:
        server.stop()
