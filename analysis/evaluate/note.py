"""The method note (方法说明) every report carries, rendered from the rule that graded it.
"""

from __future__ import annotations

from analysis.core.errors import AnalysisError
from analysis.evaluate.labels import GRADE_CODES, grade_label
from analysis.evaluate.rule import (
    StatusRule,
)

# --------------------------------------------------------------------------------------------
# The method note every report carries


_NOTE_PARTS: dict[str, dict[str, str]] = {
    "zh": {
        "intro": (
            "本报告按统一规则判定各项指标的进展。"
            "时间进度 τ =（评估年 − 基期年）÷（目标年 − 基期年），{eval_year}年评估时 τ = {tau_pct}。"
            "指标进度 p =（实际值 − 基期值）÷（目标值 − 基期值），对越低越好的指标同样适用。"
        ),
        "path": (
            "规划列出{midterm_year}年中期值的，以规划自身的进度路径（基期值→中期值→目标值，逐段线性）"
            "计算应达进度，并在{midterm_year}年直接对照中期值。"
        ),
        "grades": (
            "判定：已达到最终目标为“{achieved}”；指标进度高于应达进度{band_pts}个百分点及以上为"
            "“{ahead}”；与应达进度相差不足{band_pts}个百分点、达到规划中期值，或基期已达标且保持至今的，"
            "为“{on_track}”；低于应达进度{band_pts}个百分点以上、基期达标但未能保持、或“逐年只增不减”"
            "等要求有年份未达到的，为“{lagging}”；缺少实际值的为“{no_data}”。"
        ),
        "scale": (
            "在校生、在园幼儿数等规划预测的规模指标，不按完成进度判定，而是比较实际值与规划路径"
            "（有中期值的取中期值，否则取基期值至目标值的连线）上的预期规模：偏离在±{scale_pct}%以内为"
            "“{as_planned}”，超出的为“{above_plan}”或“{below_plan}”，并列出招生数、对应年龄段出生人口等"
            "数据所示的原因。"
        ),
        "scale_final": (
            "在校生、在园幼儿数等规划预测的规模指标，比较实际值与规划目标规模：偏离在±{scale_pct}%以内为"
            "“{as_planned}”，超出的为“{above_plan}”或“{below_plan}”，并列出招生数、对应年龄段出生人口等"
            "数据所示的原因。"
        ),
        "headline_final": (
            "总体判断：“{achieved}”“{ahead}”“{on_track}”、规模指标“{as_planned}”及已完成的里程碑计为"
            "已完成或基本完成；可评估目标中过半的，为规划目标总体完成；缺少数据或记录的目标单列并说明原因，"
            "不计入可评估目标。"
        ),
        "deadlines": (
            "有明确期限的事项（如“2022年底前完成”）到期未完成或未达到的，为“{overdue}”，列入存在问题。"
            "以“确保”表述的目标视同约束性指标，以“力争”“努力实现”表述的目标注明为力争目标。"
        ),
        "headline": (
            "总体判断：“{achieved}”“{ahead}”“{on_track}”、规模指标“{as_planned}”及推进中、已完成的里程碑计为"
            "达到或超过预期进度；可评估目标中过半达到的，为“时间过半、任务过半”；缺少数据或记录的目标"
            "单列并说明原因，不计入可评估目标。"
        ),
        "grades_final": (
            "终期判定：到期达到目标（基期已达标的须保持至今，“逐年只增不减”等要求须逐年符合）为"
            "“{achieved}”；未达到但指标进度不低于{floor_pct}%的预期性指标为“{on_track}”；"
            "其余为“{lagging}”，约束性指标及以“确保”表述的目标未达到一律为“{lagging}”；“左右”类目标超出目标区间且"
            "指标进度达{ceil_pct}%及以上的为“{ahead}”；缺少实际值的为“{no_data}”。"
        ),
        "reading": (
            "“以上”“以下”按含本数理解，“大于”“小于”不含本数；“左右”“约”按目标值±{tol_pct}%理解；"
            "只写数值的，越高越好的指标按“不低于”、越低越好的按“不高于”理解。"
            "实际值取评估年数据，缺失时取最近年份并注明。"
        ),
        "final_words": (
            "终期评估（{target_year}年）使用“已完成 / 基本完成 / 未完成”表述；"
            "期限不晚于评估年的事项在本报告中即按终期表述判定。"
        ),
        "outlook": (
            "完成前景依据模型估计的到期达标概率：{likely_p}及以上为“预计能完成”，"
            "{risk_p}至{likely_p}为“有风险”，低于{risk_p}为“难以完成”。"
        ),
        "milestones": "里程碑事项按工作记录分为“已完成 / 推进中 / 未启动 / 无记录”。",
    },
    "en": {
        "intro": (
            "Every indicator is graded by one rule. Time "
            "progress τ = (evaluation year − base year) / (target year − base year); in "
            "{eval_year} τ = {tau_pct}. Indicator progress p = (actual − baseline) / (target − "
            "baseline), which also works for lower-is-better indicators. "
        ),
        "path": (
            "Where the plan prints a {midterm_year} mid-term value, the expected progress follows "
            "the plan's own path (baseline → mid-term value → target, linear in between) and in "
            "{midterm_year} the actual is also compared with the mid-term value directly. "
        ),
        "grades": (
            "Grades: final target already met — '{achieved}'; p at least {band_pts} points above "
            "the expected progress — '{ahead}'; within {band_pts} points, the mid-term value met, "
            "or a target met at baseline still held — '{on_track}'; more than {band_pts} points "
            "below, a held level lost, or a year-by-year rule such as 逐年只增不减 broken — "
            "'{lagging}'; no actual value — '{no_data}'. "
        ),
        "scale": (
            "Sizes the plan projects (enrolment, children in kindergartens) are not graded by "
            "progress: the actual is compared with the planned size on the plan's path (the "
            "mid-term value where printed, else the line from baseline to target): within "
            "±{scale_pct}% — '{as_planned}'; beyond — '{above_plan}' or '{below_plan}', with the "
            "drivers the data show (entrants, births of the enrolled ages). "
        ),
        "scale_final": (
            "Sizes the plan projects (enrolment, children in kindergartens) are compared with the "
            "planned size: within ±{scale_pct}% — '{as_planned}'; beyond — '{above_plan}' or "
            "'{below_plan}', with the drivers the data show (entrants, births of the enrolled "
            "ages). "
        ),
        "headline_final": (
            "The headline counts '{achieved}', '{ahead}', '{on_track}', '{as_planned}' and "
            "milestones done as met or largely met; the plan's targets are met overall when at "
            "least half the gradable targets are; targets without data or record are listed "
            "apart with the reason and not counted as gradable. "
        ),
        "deadlines": (
            "A dated commitment (e.g. by the end of 2022) not done or not met by its deadline is "
            "'{overdue}' and listed among the problems. Targets worded 确保 (ensure) bind like "
            "binding targets; those worded 力争 / 努力实现 (strive) are marked as aspirational. "
        ),
        "headline": (
            "The headline counts '{achieved}', '{ahead}', '{on_track}', '{as_planned}' and "
            "milestones done or in progress as at or beyond expected progress; the plan is on "
            "schedule when at least half the gradable targets are; targets without data or "
            "record are listed apart with the reason and not counted as gradable. "
        ),
        "grades_final": (
            "Final grades: target met by its deadline (a level met at baseline still held, a "
            "year-by-year rule kept every year) — '{achieved}'; an expected (预期性) target not "
            "met but with progress of at least {floor_pct}% — '{on_track}'; otherwise, and "
            "always for a binding (约束性, or worded 确保) target not met — '{lagging}'; an approximate (左右) "
            "target overshot, with progress of {ceil_pct}% or more — '{ahead}'; no actual value — "
            "'{no_data}'. "
        ),
        "reading": (
            "以上 / 以下 include the threshold, 大于 / 小于 do not; 左右 / 约 mean within "
            "±{tol_pct}% of the target; a plain number means at least (higher-is-better) or at "
            "most (lower-is-better). The actual is the evaluation year's value, else the latest "
            "year (shown). "
        ),
        "final_words": (
            "The final evaluation ({target_year}) says achieved / largely achieved / not "
            "achieved; targets whose deadline is not after the evaluation year are judged "
            "with those words here. "
        ),
        "outlook": (
            "The outlook comes from the models' probability of meeting the target by its "
            "deadline: {likely_p} or more — likely; {risk_p} to {likely_p} — at risk; below "
            "{risk_p} — unlikely. "
        ),
        "milestones": (
            "Milestones are done / in progress / not started / no record from the work log."
        ),
    },
}


def method_note(rule: StatusRule, lang: str = "zh") -> str:
    """The short method note (方法说明) every report shows, rendered from the rule that graded it.

    Plain text (not HTML-escaped). A rule in final mode (evaluation year = target year)
    gives the final-evaluation note (τ = 100 %, 已完成 / 基本完成 / 未完成) without the
    mid-term path and outlook; the band, the ≈ tolerance and the outlook thresholds are the
    rule's own.
    """
    if lang not in ("zh", "en"):
        raise AnalysisError("unknown label language (use zh or en)", column="lang", text=lang)
    parts = _NOTE_PARTS[lang]
    order = (
        ("intro", "grades_final", "scale_final", "deadlines", "reading", "headline_final",
         "milestones")
        if rule.final
        else ("intro", "path", "grades", "scale", "deadlines", "reading", "headline",
              "final_words", "outlook", "milestones")
    )
    labels = {code: grade_label(code, lang, final=rule.final) for code in GRADE_CODES}
    values = {
        "eval_year": rule.eval_year, "tau_pct": f"{rule.tau * 100:.0f}%",
        "midterm_year": rule.midterm_year, "target_year": rule.target_year,
        "band_pts": f"{rule.band * 100:g}", "floor_pct": f"{(1 - rule.band) * 100:g}",
        "ceil_pct": f"{(1 + rule.band) * 100:g}",
        "tol_pct": f"{rule.tolerance * 100:g}", "scale_pct": f"{rule.scale_tolerance * 100:g}",
        "likely_p": f"{rule.outlook_likely:g}",
        "risk_p": f"{rule.outlook_at_risk:g}",
        **labels,
    }
    return "".join(parts[name] for name in order).format(**values).strip()
