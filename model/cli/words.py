"""The command line's words in Chinese: help, progress and error messages (``--lang zh``).

The English text is the key, as gettext's message id is, so the parser reads as it always did and a
text without a Chinese entry stays English rather than failing (a test walks every option of the
Chinese parser for English left over). Templates take their values by name: ``tr("... (default
{default})", lang, default=5)``. argparse formats help texts with ``%``, so a literal percent sign is
``%%`` in both languages.

argparse's own words (``usage:``, the group titles, its error messages) are English in the standard
library; ``argparse_error`` and the parser class in ``model.cli.parser`` put them into Chinese, and
``input_error`` writes a model.errors.InputError as one Chinese line: its frame always, the expected
value where it is one of the command line's own texts or a common scenario error (others stay English).
"""

from __future__ import annotations

import re

LANGS = ("en", "zh")

DESCRIPTION_ZH = """Shequ 社区治理改革模拟命令行：运行改革情景，写出结果、图和报告。

每次研究写入 results/<名称>/：report.html（先看这个，可打印）、report.md、timeseries.csv（全区每月指标）、
communities.csv（每个社区每月指标）、summary.csv（最后一个月的均值和 95% 置信区间）、differences.csv
（与基线的配对差值）、timeseries.png、final_comparison.png 和 manifest.json（版本、随机种子、全部参数）。
一步是一个月。

示例：
  python run.py --lang zh                        默认研究：scenarios/ 中的全部情景，中文报告
  python run.py list                             列出情景及其含义
  python run.py run baseline burden_reduction --replications 10 --steps 120 --lang zh
  python run.py run 我的情景.toml --out results/mine
  python run.py run baseline burden_reduction --parameter-uncertainty plausible --replications 20
  python run.py params --lang zh                 列出全部参数：单位、范围与来源
  python run.py status results/baseline          该文件夹是已完成、被中断还是失败？
  python run.py app                              在浏览器中打开工作坊应用

中断（Ctrl-C、SIGTERM、磁盘已满）后再运行同一条命令即可续跑：已完成的重复保存在文件夹的 replications/
中并被重用。保存着另一项研究的文件夹会被拒绝，除非加 --overwrite。安装后命令也叫 `shequ`。
加 --lang zh（放在命令前或后均可）即显示中文帮助、进度与错误信息。
"""

ZH: dict[str, str] = {
    # argparse's own
    "show this help message and exit": "显示此帮助并退出",
    "positional arguments": "位置参数",
    "options": "选项",
    "COMMAND": "命令",
    # study options
    "replications per scenario, each with its own seed (default {default})":
        "每个情景的重复次数，每次重复有自己的随机种子（默认 {default}）",
    "months to simulate after the warm-up (default {default} = 10 years)":
        "预热之后模拟的月数（默认 {default} = 10 年）",
    "master seed; replication seeds are derived from it (default {default})":
        "主随机种子，各次重复的种子由它导出（默认 {default}）",
    "output folder (default results/<study name and non-default options> in the current folder); "
    "the same command into the same folder resumes an interrupted study":
        "输出文件夹（默认为当前文件夹下的 results/<研究名称"
        "与非默认选项>）；同一条命令写入同一文件夹即可续跑被中断的研究",
    "parallel processes (default: all cores); results do not depend on it":
        "并行进程数（默认：全部核心）；结果与它无关",
    "share of real residents simulated, overriding the scenarios (1 = 1:1)":
        "模拟的真实居民比例，覆盖各情景中的设置（1 = 1:1）",
    "replace what is in --out even if it is another study or not a results folder":
        "即使 --out 中是另一项研究或不是结果文件夹，也替换其内容",
    "language of report.md, report.html, the figures and these messages (default en; "
    "zh needs a CJK font for figures)":
        "report.md、report.html、图以及本命令信息的语言（默认 en；zh 的图需要中文字体）",
    "keep replications/ (each replication's raw results) after the study completes; "
    "by default it is removed then, as the CSV files hold everything in it":
        "研究完成后保留 replications/（每次重复的原始结果）；默认会删除，因为 CSV 文件已包含其中的全部内容",
    "compare scenarios at month M (0 = the first month) instead of the last":
        "在第 M 月（0 = 第一个月）而不是最后一个月比较情景",
    "compare each replication's average over months A to B (inclusive) instead of the "
    "last month; shows a relapse the last month alone would hide":
        "比较每次重复在第 A 到 B 月（含）的平均值，而不是最后一个月；可以看到只看最后一个月会掩盖的反弹",
    "give each replication its own parameter set as well as its seed (the same pair in "
    "every scenario): plausible = a Latin hypercube over every `uncertainty` parameter's "
    "plausible range; posterior = rows of a calibration's accepted.csv (see --posterior)":
        "每次重复除随机种子外还有自己的参数组（各情景相同）：plausible = 在每个 uncertainty 参数的合理范围内做"
        "拉丁超立方抽样；posterior = 校准结果 accepted.csv 中的行（见 --posterior）",
    "the accepted.csv written by `run.py calibrate --fit`, or its folder "
    "(with --parameter-uncertainty posterior)":
        "`run.py calibrate --fit` 写出的 accepted.csv 或其文件夹（与 --parameter-uncertainty posterior 一起使用）",
    # sweep options
    "size of the design (see --design; default {default})": "设计的规模（见 --design；默认 {default}）",
    "a parameter to vary (repeat the option); NAME alone uses its plausible range; "
    "reform parameters such as burden_reduction.ledgers need LOW:HIGH "
    "(default: every `uncertainty` parameter)":
        "要变化的参数（可重复此选项）；只写 NAME 时使用其合理范围；改革参数（如 burden_reduction.ledgers）"
        "需要写 LOW:HIGH（默认：全部 uncertainty 参数）",
    "seeds per design point and scenario (default {default})": "每个设计点、每个情景的随机种子数（默认 {default}）",
    "months per run (default {default})": "每次运行的月数（默认 {default}）",
    "master seed of the design and the replications (default {default})":
        "设计与各次重复的主随机种子（默认 {default}）",
    "output folder (default results/<command>_...)": "输出文件夹（默认 results/<命令>_...）",
    "local processes (default: all cores); results do not depend on it": "本机进程数（默认：全部核心）；结果与它无关",
    "the model's headline conclusions over the calibration's posterior: effect, sign share, verdict (writes "
    "docs/findings.md)": "模型的主要结论在校准后验上的表现：效应、方向成立比例、判定（写出 docs/findings.md）",
    "Run every scenario the headline conclusions (model/research/findings.py) compare, one posterior parameter set "
    "per replication (the same seed and set in every scenario); per conclusion write the mean effect and its "
    "interval, the share of posterior draws in which its sign holds, the parameters it depends on most and a "
    "verdict (robust, fragile, reversed) to findings.md, findings.zh.md and findings.csv, in --out and --docs.":
        "运行主要结论（model/research/findings.py）所比较的全部情景，每次重复使用一个后验参数集（各情景相同的种子和参数集）；"
        "对每条结论，把效应均值及其区间、方向成立的后验抽取比例、最相关的参数和判定（稳健、脆弱、相反）"
        "写入 --out 与 --docs 中的 findings.md、findings.zh.md 和 findings.csv。",
    "the accepted.csv of `run.py calibrate --fit`, or its folder (default "
    "docs/fit/accepted.csv, the fit behind the documented findings)":
        "`run.py calibrate --fit` 写出的 accepted.csv 或其所在文件夹（默认 docs/fit/accepted.csv，"
    "即文档中结论所依据的拟合）",
    "posterior draws, each a replication of every scenario (default: every accepted set once)":
        "后验抽取次数，每次抽取是各情景的一次重复（默认：每个被接受的参数集各一次）",
    "months per run (default 120; the findings read up to month 119)": "每次运行的月数（默认 120；结论读到第 119 月）",
    "master seed of the draws and the replications (default {default})": "抽取与重复的主种子（默认 {default}）",
    "folder for the runs and tables (default results/findings); the same command resumes":
        "运行结果与表格的文件夹（默认 results/findings）；同一命令可续跑",
    "folder that receives findings.md, findings.zh.md and findings.csv (default docs)":
        "接收 findings.md、findings.zh.md 和 findings.csv 的文件夹（默认 docs）",
    "a Dask distributed scheduler, e.g. tcp://10.0.0.5:8786, instead of local processes":
        "使用 Dask 分布式调度器（如 tcp://10.0.0.5:8786）而不是本机进程",
    "share of real residents simulated, overriding the scenarios": "模拟的真实居民比例，覆盖各情景中的设置",
    "replace what is in --out": "替换 --out 中的内容",
    # commands
    "run one or more scenarios (names from `list`, or .toml paths)":
        "运行一个或多个情景（`list` 中的名称或 .toml 路径）",
    "Run scenarios x replications and write results/<name>/.": "运行 情景 × 重复，写出 results/<名称>/。",
    "a scenario name from scenarios/ or a path to a .toml file": "scenarios/ 中的情景名称，或 .toml 文件的路径",
    "study name for the output folder (default: scenario names)": "研究名称，用作输出文件夹名（默认：情景名称）",
    "list the scenarios in scenarios/ with their titles": "列出 scenarios/ 中的情景及其标题",
    "print the parameter registry": "打印参数登记表",
    "label language": "标签语言",
    "print a Markdown table with both labels (docs/parameters.md is made this way)":
        "打印含中英文标签的 Markdown 表格（docs/parameters.md 即由此生成）",
    "print the whole registry as a JSON list (every field of every entry)":
        "以 JSON 列表打印整个登记表（每个条目的全部字段）",
    "compare the model with the stylized facts (SF4, SF6, SF7, SF9, SF10); "
    "--fit: which parameter values reproduce them":
        "将模型与典型事实（SF4、SF6、SF7、SF9、SF10）比较；--fit：哪些参数值能再现它们",
    "Without --fit: run the stylized-fact checks at the defaults and print "
    "each measure against its target range. With --fit: pattern-oriented rejection ABC over "
    "the uncertainty parameters (a Latin hypercube prior sample, every check at once); "
    "writes patterns.csv, accepted.csv, posterior.csv, identification.csv, fit_report.md "
    "and posterior.png.":
        "不加 --fit：在默认参数下运行典型事实检验，打印每项度量及其目标范围。加 --fit：在 uncertainty 参数上做"
        "面向模式的拒绝式 ABC（拉丁超立方先验样本，同时检验全部事实）；写出 patterns.csv、accepted.csv、"
        "posterior.csv、identification.csv、fit_report.md 和 posterior.png。",
    "fit: find the parameter sets that reproduce every stylized fact (see docs/research.md)":
        "拟合：找出能再现全部典型事实的参数组（见 docs/research.md）",
    "with --fit: points of the Latin-hypercube prior sample (default {default})":
        "与 --fit 一起使用：拉丁超立方先验样本的点数（默认 {default}）",
    "with --fit: rejection = one Latin-hypercube prior sample, accept the points nearest the targets (default); "
    "smc = sequential ABC (pyabc), populations that move toward the targets; "
    "smc-mcmc = sequential ABC whose particles move by Metropolis steps and keep equal weights":
        "与 --fit 一起使用：rejection = 一个拉丁超立方先验样本，接受最接近目标的点（默认）；"
        "smc = 序贯 ABC（pyabc），逐代向目标靠近的粒子群；"
        "smc-mcmc = 粒子以 Metropolis 步移动、权重保持相等的序贯 ABC",
    "with --method smc or smc-mcmc: particles per population (default {default})":
        "与 --method smc 或 smc-mcmc 一起使用：每代粒子数（默认 {default}）",
    "with --method smc or smc-mcmc: populations at most (default {default})":
        "与 --method smc 或 smc-mcmc 一起使用：最多代数（默认 {default}）",
    "with --method smc-mcmc: Metropolis moves of every particle a population (default {default})":
        "与 --method smc-mcmc 一起使用：每代每个粒子的 Metropolis 移动次数（默认 {default}）",
    "with --fit: a pattern the fit does not target, by the name `calibrate` prints with its letter (SF4a, SF10b, "
    "SF15, ...; repeat the option): for a fact the model's structure cannot meet, which would otherwise dominate "
    "the distance":
        "与 --fit 一起使用：拟合不以之为目标的模式，用 `calibrate` 打印的带字母的名称（SF4a、SF10b、SF15 等；可重复）："
        "用于模型结构无法满足的事实，否则它会主导距离",
    "with --fit: keep the fraction Q of points nearest the targets (rejection ABC) instead "
    "of the points inside every target range (default; the nearest 10%% if fewer pass)":
        "与 --fit 一起使用：保留最接近目标的比例 Q 的点（拒绝式 ABC），而不是落在每个目标范围内的点"
        "（默认；通过的点太少时取最近的 10%%）",
    "seeds per scenario (default 5); with --fit seeds per design point and scenario (default 1)":
        "每个情景的随机种子数（默认 5）；加 --fit 时为每个设计点、每个情景的种子数（默认 1）",
    "master seed (default {default})": "主随机种子（默认 {default}）",
    "say whether a results folder is complete, interrupted or failed": "说明结果文件夹是已完成、被中断还是失败",
    "a results folder": "结果文件夹",
    "start the workshop app in the browser (offline; Chinese first)": "在浏览器中启动工作坊应用（离线；默认中文）",
    "Serve the bilingual workshop app on this machine and print its address.": "在本机提供双语工作坊应用并打印其地址。",
    "address to listen on (default 127.0.0.1: this machine only)": "监听地址（默认 127.0.0.1：仅本机）",
    "port (default 8765)": "端口（默认 8765）",
    "first language (switchable in the app)": "初始语言（可在应用中切换）",
    "size overrides, e.g. n_streets=3,communities_per_street=4": "规模覆盖，如 n_streets=3,communities_per_street=4",
    "a design over uncertain parameters x scenarios x replications (Parquet)":
        "不确定参数的设计 × 情景 × 重复（Parquet）",
    "Run a design (Latin hypercube, full factorial, Morris or Sobol) over "
    "parameters (default: every `uncertainty` parameter over its plausible range) crossed "
    "with scenarios and replications; write runs.parquet, timeseries.parquet, design.csv, "
    "manifest.json and the sweep figures.":
        "在参数上运行一个设计（拉丁超立方、全因子、Morris 或 Sobol；默认：全部 uncertainty 参数在其合理范围内），"
        "与情景和重复交叉；写出 runs.parquet、timeseries.parquet、design.csv、manifest.json 和扫描图。",
    "scenarios (strategies) to cross with the design (default: baseline)": "与设计交叉的情景（策略）（默认：baseline）",
    "lhs: N points; factorial: N levels per parameter; morris: N trajectories; "
    "sobol: Saltelli's N x (k + 2) points (default lhs)":
        "lhs：N 个点；factorial：每个参数 N 个水平；morris：N 条轨迹；sobol：Saltelli 的 N × (k + 2) 个点（默认 lhs）",
    "metrics drawn in sweep_<metric>.png (against each varied parameter) and, with two "
    "strategies or more, sweep_<metric>_difference.png (each strategy minus baseline or "
    "the first named) (default: six headline metrics)":
        "画在 sweep_<指标>.png（随每个变化参数）以及（两个或以上策略时）sweep_<指标>_difference.png"
        "（各策略减 baseline 或第一个策略）中的指标（默认：六个主要指标）",
    "language of the figures and these messages (default en)": "图以及本命令信息的语言（默认 en）",
    "global sensitivity of one scenario: Morris screening or Sobol indices (SALib)":
        "一个情景的全局敏感性：Morris 筛选或 Sobol 指数（SALib）",
    "Run a Morris or Sobol design over parameters (default: "
    "every `uncertainty` parameter over its plausible range) on one scenario and write "
    "sensitivity.csv (outcome, parameter, mu_star, mu_star_conf, sigma, mu or S1, S1_conf, "
    "ST, ST_conf), sensitivity.png and for Morris sensitivity_mu_sigma.png, with the sweep's "
    "runs.parquet and timeseries.parquet.":
        "在一个情景上对参数（默认：全部 uncertainty 参数在其合理范围内）运行 Morris 或 Sobol 设计，写出 "
        "sensitivity.csv（outcome、parameter、mu_star、mu_star_conf、sigma、mu 或 S1、S1_conf、ST、ST_conf）、"
        "sensitivity.png，Morris 另有 sensitivity_mu_sigma.png，以及扫描的 runs.parquet 和 timeseries.parquet。",
    "the scenario (strategy) to analyse (default baseline)": "要分析的情景（策略）（默认 baseline）",
    "morris: elementary effects, a screen; sobol: first-order and total indices (default morris)":
        "morris：基本效应，用于筛选；sobol：一阶与总效应指数（默认 morris）",
    "morris: trajectories (default 10), N x (k + 1) runs; "
    "sobol: base sample N, best a power of two (default 64), N x (k + 2) runs":
        "morris：轨迹数（默认 10），共 N × (k + 1) 次运行；sobol：基础样本 N，最好是 2 的幂（默认 64），"
        "共 N × (k + 2) 次运行",
    "metrics to analyse (default: every metric; the figure shows a few headline ones)":
        "要分析的指标（默认：全部指标；图中显示几个主要指标）",
    "scenario discovery (PRIM): which uncertain ranges make a strategy miss a threshold":
        "情景发现（PRIM）：哪些不确定参数范围会使策略达不到阈值",
    "Run a Latin hypercube over parameters (default: every "
    "`uncertainty` parameter over its plausible range) on one scenario, mark the runs whose "
    "final-month outcome misses the threshold, and find with PRIM (EMA Workbench) the box of "
    "parameter ranges where misses are dense. Writes prim_boxes.csv, prim_tradeoff.png, "
    "prim_box.png, feature_scores.csv and discovery.md, with the sweep's runs.parquet.":
        "在一个情景上对参数（默认：全部 uncertainty 参数在其合理范围内）做拉丁超立方抽样，标出最后一个月结果"
        "未达阈值的运行，并用 PRIM（EMA Workbench）找出未达标运行密集的参数范围框。写出 prim_boxes.csv、"
        "prim_tradeoff.png、prim_box.png、feature_scores.csv 和 discovery.md，以及扫描的 runs.parquet。",
    "the scenario (strategy) to examine (default baseline)": "要考察的情景（策略）（默认 baseline）",
    "the metric the strategy should meet": "策略应当达到的指标",
    "its target, in the metric's own unit as in runs.parquet (shares as 0-1)":
        "目标值，使用该指标在 runs.parquet 中的单位（比例为 0–1）",
    "below: a value below the threshold is a miss (default; for shares, trust, turnout); "
    "above: a value above it is (for costs, waits, burdens)":
        "below：低于阈值为未达标（默认；用于比例、信任、投票率）；above：高于阈值为未达标（用于成本、等待、负担）",
    "PRIM density target: the box with the highest coverage among those where at least this "
    "share of runs miss (default 0.9)":
        "PRIM 密度目标：在未达标运行至少占此比例的框中，取覆盖率最高者（默认 0.9）",
    "Latin-hypercube points (default 200)": "拉丁超立方点数（默认 200）",
    "the default study (same as no command): every scenario": "默认研究（与不写命令相同）：全部情景",
    # progress
    "Running {n} scenario(s) x {r} replication(s), {steps} months": "运行 {n} 个情景 × {r} 次重复，{steps} 个月",
    ", each replication with its own {source} parameter set": "，每次重复使用自己的 {source} 参数组",
    " ({k} stored replication(s) reused)": "（重用已保存的 {k} 次重复）",
    "Writing the tables ({rows:,} rows of communities) ...": "正在写出数据表（社区数据 {rows:,} 行）……",
    "Drawing the figures and the report ...": "正在绘图并生成报告……",
    "Done in {seconds:.1f} s. Open {path}": "完成，用时 {seconds:.1f} 秒。请打开 {path}",
    "Done in {seconds:.1f} s: {path}": "完成，用时 {seconds:.1f} 秒：{path}",
    "interrupted": "已中断",
    "unexpected {kind}: {message} (this is a bug; set SHEQU_DEBUG=1 to see where)":
        "意外的 {kind}：{message}（这是程序缺陷；设置 SHEQU_DEBUG=1 可看到出错位置）",
}

# argparse's error messages (Python 3.12), English pattern -> Chinese replacement
ARGPARSE_ERRORS_ZH = (
    (r"the following arguments are required: (.*)", r"缺少必需的参数：\1"),
    (r"unrecognized arguments: (.*)", r"无法识别的参数：\1"),
    (r"one of the arguments (.*) is required", r"必须给出以下参数之一：\1"),
    (r"ambiguous option: (\S+) could match (.*)", r"选项 \1 有歧义，可能是：\2"),
    (r"argument (\S+): invalid choice: (.*) \(choose from (.*)\)", r"参数 \1：无效的选择 \2（可选：\3）"),
    (r"argument (\S+): expected one argument", r"参数 \1：需要一个值"),
    (r"argument (\S+): expected at least one argument", r"参数 \1：至少需要一个值"),
    (r"argument (\S+): expected (.*) arguments?", r"参数 \1：需要 \2 个值"),
    (r"argument (\S+): invalid (\S+) value: (.*)", r"参数 \1：无效的 \2 值：\3"),
    (r"argument (\S+): not allowed with argument (\S+)", r"参数 \1：不能与参数 \2 同时使用"),
    (r"argument (\S+): ignored explicit argument (.*)", r"参数 \1：不接受值 \2"),
    (r"argument (\S+): (.*)", r"参数 \1：\2"),
)

# what an InputError expected, English pattern -> Chinese replacement: the command line's own texts and
# the scenario errors a user meets most
EXPECTED_ZH = (
    (r"an integer in \[(.*)\]", r"[\1] 之间的整数"),
    (r"a number in \[(.*)\]", r"[\1] 之间的数"),
    (r"an integer >= (\d+)", r"不小于 \1 的整数"),
    (r"A:B, two months with 0 <= A <= B \(e\.g\. (.*)\)", r"A:B 形式的两个月份，0 <= A <= B（如 \1）"),
    (r"a folder path", r"一个文件夹路径"),
    (r"each scenario once", r"每个情景只出现一次"),
    (r"each parameter once", r"每个参数只出现一次"),
    (r"lower-case letters, digits, Chinese characters, '_' or '-' \(at most 64\)",
     r"小写字母、数字、汉字、“_”或“-”（最多 64 个）"),
    (r"either --at-month or --window, not both", r"--at-month 与 --window 只能选一个"),
    (r"a month below --steps \((\d+); months are 0 to (\d+)\)", r"小于 --steps（\1）的月份（月份为 0 到 \2）"),
    (r"at least one \.toml scenario file", r"至少一个 .toml 情景文件"),
    (r"at least one scenario", r"至少一个情景"),
    (r"--fit with it \(it sets up the fit's sweep\)", r"与 --fit 一起使用（它设置拟合的扫描）"),
    (r"metric names \((.*)\)", r"指标名称（\1）"),
    (r"a scenario name from `run\.py list` or a path to a \.toml file", r"`run.py list` 中的情景名称或 .toml 文件路径"),
    (r"an existing scenario file", r"一个存在的情景文件"),
    (r"a month within the run \(0 to (\d+) for (\d+) steps\)", r"运行期内的月份（\2 步时为 0 到 \1）"),
    (r"a known parameter name \(see `run\.py params`\)", r"已知的参数名称（见 `run.py params`）"),
    (r"one of (.*)", r"以下之一：\1"),
    (r"an empty folder or one holding this same study; (.*) \(give --overwrite to replace it\)",
     r"空文件夹或保存着同一项研究的文件夹；该文件夹\1（加 --overwrite 可替换）"),
)

SOURCES_ZH = {"command line": "命令行"}


def check(lang: str) -> str:
    return lang if lang in LANGS else "en"


# entries whose English holds a {field}: matched against text already filled in (an option's help
# written with its default in it)
_TEMPLATES = [(re.compile(re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>.+?)", re.escape(en))), zh)
              for en, zh in ZH.items() if re.search(r"\{\w+\}", en)]


def tr(text: str, lang: str, **fields) -> str:
    """``text`` in ``lang`` (English if it has no Chinese entry), its ``{fields}`` filled in. Text whose
    fields are already filled in finds its entry too."""
    if lang != "zh":
        return text.format(**fields) if fields else text
    if text in ZH:
        return ZH[text].format(**fields) if fields else ZH[text]
    for pattern, zh in _TEMPLATES:
        match = pattern.fullmatch(text)
        if match:
            return zh.format(**match.groupdict())
    return text


def error_prefix(lang: str) -> str:
    """How an error line begins."""
    return "错误：" if lang == "zh" else "error: "


def chosen_lang(argv: list[str]) -> str:
    """The language a command line asks for (the last ``--lang X`` or ``--lang=X``), before argparse reads
    it, so the help and argparse's own errors are in it too; "en" if none or another value."""
    lang = "en"
    for i, token in enumerate(argv):
        if token == "--":
            break
        value = argv[i + 1] if token == "--lang" and i + 1 < len(argv) else (
            token.split("=", 1)[1] if token.startswith("--lang=") else None)
        if value in LANGS:
            lang = value
    return lang


def _replace(patterns, text: str) -> str | None:
    for pattern, replacement in patterns:
        match = re.fullmatch(pattern, text, flags=re.S)
        if match:
            return match.expand(replacement)
    return None


def argparse_error(message: str, lang: str) -> str:
    """argparse's error message in ``lang``."""
    if lang != "zh":
        return message
    return _replace(ARGPARSE_ERRORS_ZH, message) or message


def expected_text(expected: str, lang: str) -> str:
    """What an InputError expected, in Chinese where the text is known (else as it is)."""
    if lang != "zh":
        return expected
    return _replace(EXPECTED_ZH, expected) or expected


def input_error(exc, lang: str) -> str:
    """A model.errors.InputError as one line: ``error: <file>: <field>: expected <what>, got <value>``,
    or its Chinese frame with what was expected translated where known."""
    if lang != "zh":
        return f"error: {exc}"
    got = "" if exc.got is None else f"，实际为 {exc.got!r}"
    source = SOURCES_ZH.get(exc.source, exc.source)
    return f"错误：{source}：{exc.field}：应为 {expected_text(exc.expected, lang)}{got}"
