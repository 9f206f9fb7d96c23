"""Frameworks: the plans a local plan is aligned *against*, and the registry of their facts.

A framework is a small tree of :class:`Target` nodes (strategies, their
sub-strategies, master plans, milestones, goals…) held in a :class:`Reference`.

Built-in frameworks ship as JSON inside the package (``plansearch/frameworks/data``),
are discovered from those files (:mod:`.registry`) and go through the same validating
loader as a user's file:

* ``national`` – ยุทธศาสตร์ชาติ (พ.ศ. 2561–2580): 6 strategies, their
  ประเด็นยุทธศาสตร์, and the 23 แผนแม่บทภายใต้ยุทธศาสตร์ชาติ
* ``nesdp13`` – แผนพัฒนาเศรษฐกิจและสังคมแห่งชาติ ฉบับที่ 13: 13 หมุดหมาย in 4 มิติ
* ``nesdp12`` – ฉบับที่ 12: 10 ยุทธศาสตร์
* ``sdg`` – 17 เป้าหมายการพัฒนาที่ยั่งยืน
* ``dla`` – ยุทธศาสตร์กรมส่งเสริมการปกครองท้องถิ่น (พ.ศ. 2560–2569)
* ``services`` – อำนาจหน้าที่ในการจัดระบบบริการสาธารณะของ อปท. (พ.ร.บ.กำหนดแผนฯ 2542)
* ``masterplan`` – the 23 master plans of ``national`` as targets (a derived framework)

User frameworks (provincial, PAO…) come from a JSON, YAML or CSV file
(:func:`load_reference`) or from parsed plan sections
(:func:`reference_from_sections`).

Modules: :mod:`.model` (:class:`Reference`, :class:`Target`), :mod:`.validate` (raw
data → checked framework), :mod:`.formats` (one reader per file format),
:mod:`.from_sections`, :mod:`.registry` (built-ins, levels, the ผ.02 block model:
every fact the alignment pipeline, the workbench and the reports ask), :mod:`.space` (a framework
flattened into the targets alignment scores: :func:`resolve`, :func:`targets_of`) and
:mod:`.knowledge` (budget programmes and strategy families of local plans).

File format (JSON or YAML)::

    format: 1                    # optional; only 1 is understood
    name: chiangmai              # short name, used as the framework key
    title: ยุทธศาสตร์จังหวัดเชียงใหม่   # optional, defaults to name
    level: province              # one of plansearch.LEVELS
    source: แผนพัฒนาจังหวัด พ.ศ. 2566–2570   # optional
    root_type: strategy          # optional: node type of the targets (default: top items)
    items:
      - id: P1
        title: การพัฒนาเศรษฐกิจ
        text: ส่งเสริมการเกษตร การท่องเที่ยว ...   # optional
        type: strategy           # optional (default "strategy" at the top, "item" below)
        keywords: [ถนน, ประปา]    # optional, extra matching terms
        related: [P2]            # optional, ids of other items
        children:                # optional, same shape, at most 12 levels deep
          - {id: P1.1, title: ส่งเสริมอาชีพ}

CSV: one row per item, header ``id,title,text,parent_id`` (``text`` and
``parent_id`` may be empty; optional columns ``type``, ``keywords`` separated by
``;``, and ``level``). The framework name is the file name without extension.
"""

from __future__ import annotations

from .formats import MAX_BYTES, READERS, load_reference, read_reference
from .from_sections import reference_from_sections
from .model import FORMAT_VERSION, Reference, Target
from .registry import (
    FrameworkInfo,
    aligned_kinds,
    available_references,
    block_of,
    builtin_frameworks,
    column_of,
    companions,
    default_frameworks,
    defaults_for,
    describe,
    fallback_kinds,
    framework_info,
    is_builtin,
    kind_roles,
    kinds_for,
    level_title,
    plan_levels,
    quoted_levels,
    reference,
    role_of,
)
from .space import (
    FrameworkSpec,
    Node,
    TargetSpace,
    builtin_space,
    resolve,
    space_from_reference,
    targets_of,
)
from .validate import MAX_DEPTH, reference_from_dict

__all__ = [
    "FORMAT_VERSION",
    "MAX_BYTES",
    "MAX_DEPTH",
    "READERS",
    "FrameworkInfo",
    "FrameworkSpec",
    "Node",
    "Reference",
    "Target",
    "TargetSpace",
    "aligned_kinds",
    "available_references",
    "block_of",
    "builtin_frameworks",
    "builtin_space",
    "column_of",
    "companions",
    "default_frameworks",
    "defaults_for",
    "describe",
    "fallback_kinds",
    "framework_info",
    "is_builtin",
    "kind_roles",
    "kinds_for",
    "level_title",
    "load_reference",
    "plan_levels",
    "quoted_levels",
    "read_reference",
    "reference",
    "reference_from_dict",
    "reference_from_sections",
    "resolve",
    "role_of",
    "space_from_reference",
    "targets_of",
]
