"""The words every layer shares: roles, languages, record states.

The labels sit beside the enums so that a report, a reminder and a chat prompt can never
disagree about what a code means. Values are stored in the database as strings, so a value,
once released, is never renamed.
"""

from __future__ import annotations

from enum import StrEnum


class Language(StrEnum):
    ZH = "zh-CN"
    EN = "en"


class Role(StrEnum):
    HANDLER = "handler"
    INTEGRITY_OFFICER = "integrity_officer"
    DISCIPLINE = "discipline"
    TRIAL_MANAGEMENT = "trial_management"
    COMPILER = "compiler"
    LEADER = "leader"
    ADMIN = "admin"


class RecordStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"


class RecordKind(StrEnum):
    """External (Art. 2-3), a commissioned reference opinion (Art. 5), or internal (Art. 14)."""

    EXTERNAL = "external"
    REFERENCE_OPINION = "reference_opinion"
    INTERNAL = "internal"


class Channel(StrEnum):
    LETTER = "letter"
    MAIL = "mail"
    PHONE = "phone"
    SMS = "sms"
    WECHAT = "wechat"
    WEIBO = "weibo"
    EMAIL = "email"
    OTHER_NETWORK = "other_network"
    IN_PERSON = "in_person"
    OTHER = "other"


NETWORK_CHANNELS = frozenset(
    {Channel.SMS, Channel.WECHAT, Channel.WEIBO, Channel.EMAIL, Channel.OTHER_NETWORK}
)
WRITTEN_CHANNELS = frozenset({Channel.LETTER, Channel.MAIL})
ORAL_CHANNELS = frozenset({Channel.IN_PERSON, Channel.PHONE})
"""Inquiries that bring no materials: Art. 4 and Art. 6 (where materials went, how they came)
do not apply to them."""


class UnitCategory(StrEnum):
    """Art. 13: where an external leading cadre serves."""

    PARTY = "party"
    CONGRESS = "congress"
    GOVERNMENT = "government"
    CPPCC = "cppcc"
    PROCURATORATE = "procuratorate"
    MILITARY = "military"
    COMPANY = "company"
    ENTERPRISE = "enterprise"
    INSTITUTION = "institution"
    SOCIAL_ORGANISATION = "social_organisation"


class Intermediary(StrEnum):
    """Art. 2: the cadre asked in person, or through their staff or a relative."""

    NONE = "none"
    STAFF = "staff"
    RELATIVE = "relative"


class MaterialRoute(StrEnum):
    """Art. 6: materials should come through the department's integrity officer."""

    DIRECT = "direct"
    VIA_INTEGRITY_OFFICER = "via_integrity_officer"


class OriginalsDestination(StrEnum):
    """Art. 4 and 5: where written originals went."""

    SUB_FILE = "sub_file"
    MAIN_FILE = "main_file"
    ELSEWHERE = "elsewhere"
    NO_ORIGINAL = "no_original"


class Milestone(StrEnum):
    REGISTERED = "registered"
    PLATFORM_ENTERED = "platform_entered"
    FORM_DELIVERED = "form_delivered"
    COSIGNED = "cosigned"


class CosignStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    DISPUTED = "disputed"


ART9_ITEMS = tuple(range(1, 15))


LABELS: dict[StrEnum, dict[Language, str]] = {
    Role.HANDLER: {Language.ZH: "案件承办人", Language.EN: "case handler"},
    Role.INTEGRITY_OFFICER: {Language.ZH: "部门廉政监察员", Language.EN: "integrity officer"},
    Role.DISCIPLINE: {Language.ZH: "纪检监察部门", Language.EN: "discipline inspection"},
    Role.TRIAL_MANAGEMENT: {Language.ZH: "审判管理办公室", Language.EN: "trial management"},
    Role.COMPILER: {Language.ZH: "季度报告统计人", Language.EN: "quarterly compiler"},
    Role.LEADER: {Language.ZH: "院领导", Language.EN: "court leader"},
    Role.ADMIN: {Language.ZH: "信息技术管理员", Language.EN: "IT administrator"},
    RecordStatus.DRAFT: {Language.ZH: "草稿", Language.EN: "draft"},
    RecordStatus.SUBMITTED: {Language.ZH: "已提交", Language.EN: "submitted"},
    RecordStatus.WITHDRAWN: {Language.ZH: "已撤回", Language.EN: "withdrawn"},
    RecordKind.EXTERNAL: {Language.ZH: "外部领导干部过问", Language.EN: "external inquiry"},
    RecordKind.REFERENCE_OPINION: {
        Language.ZH: "受委托提出的参考意见（第五条）",
        Language.EN: "commissioned reference opinion (Art. 5)",
    },
    RecordKind.INTERNAL: {
        Language.ZH: "本院人员过问（第十四条）",
        Language.EN: "court's own staff (Art. 14)",
    },
    Channel.LETTER: {Language.ZH: "函文信件", Language.EN: "letter"},
    Channel.MAIL: {Language.ZH: "邮寄", Language.EN: "mail"},
    Channel.PHONE: {Language.ZH: "电话", Language.EN: "phone"},
    Channel.SMS: {Language.ZH: "手机短信", Language.EN: "SMS"},
    Channel.WECHAT: {Language.ZH: "微信", Language.EN: "WeChat"},
    Channel.WEIBO: {Language.ZH: "微博", Language.EN: "Weibo"},
    Channel.EMAIL: {Language.ZH: "电子邮件", Language.EN: "email"},
    Channel.OTHER_NETWORK: {Language.ZH: "其他网络方式", Language.EN: "other network"},
    Channel.IN_PERSON: {Language.ZH: "当面（口头）", Language.EN: "in person"},
    Channel.OTHER: {Language.ZH: "其他", Language.EN: "other"},
    UnitCategory.PARTY: {Language.ZH: "党的机关", Language.EN: "Party organ"},
    UnitCategory.CONGRESS: {Language.ZH: "人大机关", Language.EN: "people's congress"},
    UnitCategory.GOVERNMENT: {Language.ZH: "行政机关", Language.EN: "government"},
    UnitCategory.CPPCC: {Language.ZH: "政协机关", Language.EN: "CPPCC"},
    UnitCategory.PROCURATORATE: {Language.ZH: "检察机关", Language.EN: "procuratorate"},
    UnitCategory.MILITARY: {Language.ZH: "军事机关", Language.EN: "military organ"},
    UnitCategory.COMPANY: {Language.ZH: "公司", Language.EN: "company"},
    UnitCategory.ENTERPRISE: {Language.ZH: "企业", Language.EN: "enterprise"},
    UnitCategory.INSTITUTION: {Language.ZH: "事业单位", Language.EN: "public institution"},
    UnitCategory.SOCIAL_ORGANISATION: {Language.ZH: "社会团体", Language.EN: "social organisation"},
    Intermediary.NONE: {Language.ZH: "本人直接", Language.EN: "the cadre in person"},
    Intermediary.STAFF: {Language.ZH: "身边工作人员", Language.EN: "the cadre's staff"},
    Intermediary.RELATIVE: {Language.ZH: "亲属", Language.EN: "a relative"},
    MaterialRoute.DIRECT: {
        Language.ZH: "直接到达承办人",
        Language.EN: "reached the handler directly",
    },
    MaterialRoute.VIA_INTEGRITY_OFFICER: {
        Language.ZH: "经部门廉政监察员登记后转交",
        Language.EN: "registered and passed on by the integrity officer",
    },
    OriginalsDestination.SUB_FILE: {Language.ZH: "存入案件副卷", Language.EN: "case sub-file"},
    OriginalsDestination.MAIN_FILE: {Language.ZH: "存入案件正卷", Language.EN: "case main file"},
    OriginalsDestination.ELSEWHERE: {Language.ZH: "其他去向", Language.EN: "elsewhere"},
    OriginalsDestination.NO_ORIGINAL: {
        Language.ZH: "无书面原件",
        Language.EN: "no written original",
    },
    Milestone.REGISTERED: {Language.ZH: "填表登记", Language.EN: "form filled"},
    Milestone.PLATFORM_ENTERED: {Language.ZH: "录入平台", Language.EN: "entered in the platform"},
    Milestone.FORM_DELIVERED: {Language.ZH: "报送表格复印件", Language.EN: "form copy delivered"},
    Milestone.COSIGNED: {
        Language.ZH: "在场人员签字确认",
        Language.EN: "co-signed by staff present",
    },
    CosignStatus.PENDING: {Language.ZH: "待确认", Language.EN: "pending"},
    CosignStatus.CONFIRMED: {Language.ZH: "已确认", Language.EN: "confirmed"},
    CosignStatus.DISPUTED: {Language.ZH: "有异议", Language.EN: "disputed"},
}

ART9_LABELS: dict[int, dict[Language, str]] = {
    1: {Language.ZH: "为案件当事人请托说情", Language.EN: "interceding for a party"},
    2: {
        Language.ZH: "要求私下会见、联系当事人或其代理人、近亲属等",
        Language.EN: "asking staff to meet or contact a party or their representatives privately",
    },
    3: {
        Language.ZH: "授意、纵容身边工作人员或亲属请托说情",
        Language.EN: "letting staff or relatives intercede",
    },
    4: {
        Language.ZH: "超越职权对案件处理提出倾向性意见或具体要求",
        Language.EN: "leaning opinions or demands beyond one's authority",
    },
    5: {
        Language.ZH: "要求立案、不予立案、拖延立案或人为控制立案",
        Language.EN: "demanding filing, refusal, delay or control of filing",
    },
    6: {
        Language.ZH: "要求中止审理、延长审限等拖延或压缩办案时间",
        Language.EN: "demanding suspension or extension to delay or rush a case",
    },
    7: {
        Language.ZH: "要求对保全、执行标的物暂缓或解除扣押、查封、冻结",
        Language.EN: "demanding release of seized, sealed or frozen property",
    },
    8: {
        Language.ZH: "要求选择特定鉴定、评估、拍卖机构或破产管理人",
        Language.EN: "demanding a particular appraiser, auctioneer or administrator",
    },
    9: {
        Language.ZH: "要求执行救助款优先或向特定申请人发放",
        Language.EN: "demanding relief funds go first or to a particular applicant",
    },
    10: {
        Language.ZH: "要求拖延执行、中止执行或终结执行",
        Language.EN: "demanding delayed, suspended or terminated enforcement",
    },
    11: {
        Language.ZH: "要求将刑事涉案财物返还特定被害人或移交特定机关",
        Language.EN: "demanding criminal assets go to a particular victim or organ",
    },
    12: {
        Language.ZH: "要求采取或解除、变更强制措施",
        Language.EN: "demanding coercive measures be taken, lifted or changed",
    },
    13: {
        Language.ZH: "批转当事人等单方提交的涉案材料或专家意见书",
        Language.EN: "forwarding one side's case materials or expert opinions",
    },
    14: {Language.ZH: "其他有必要作为特别报告事项的行为", Language.EN: "other matters to report"},
}


def label(value: StrEnum, language: Language) -> str:
    """The display name of a vocabulary value in the given language."""
    return LABELS[value][language]


def known_roles(values: frozenset[str] | set[str]) -> list[Role]:
    """The stored role strings that this version knows, in a stable order."""
    return [role for role in Role if role.value in values]
