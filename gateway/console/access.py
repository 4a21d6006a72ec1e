"""Who may do what in the console: the permission table of ``gateway.console`` in code, the
status changes the back office may make, and the Vietnamese words for roles and statuses."""

from __future__ import annotations

from enum import StrEnum

from dvc_common.protocol import ProcessingStatus
from gateway.console.store import StaffRecord, StaffRole, in_scope


class Permission(StrEnum):
    VIEW_DOSSIERS = "view_dossiers"  # the list, a dossier's page and its files
    CHANGE_STATUS = "change_status"
    VIEW_AUDIT = "view_audit"
    VIEW_KIOSKS = "view_kiosks"  # the fleet page: heartbeats, outboxes, device alerts
    ISSUE_CREDENTIALS = "issue_credentials"  # enrolment codes, technician badges, token revocation
    PUBLISH_REFERENCE = "publish_reference"  # the catalog and the calendar for the whole province
    IMPORT_USB = "import_usb"  # a kiosk's USB export brought in by hand, within the staff's units
    MANAGE_STAFF = "manage_staff"  # the account pages (``gateway.console.accounts``)


PERMISSIONS: dict[StaffRole, frozenset[Permission]] = {
    StaffRole.PROVINCE_ADMIN: frozenset(Permission),
    StaffRole.DISTRICT_TECHNICIAN: frozenset(
        {
            Permission.VIEW_DOSSIERS,
            Permission.VIEW_KIOSKS,
            Permission.ISSUE_CREDENTIALS,
            Permission.IMPORT_USB,
        }
    ),
    StaffRole.COMMUNE_STAFF: frozenset(
        {Permission.VIEW_DOSSIERS, Permission.CHANGE_STATUS, Permission.VIEW_KIOSKS}
    ),
}


def allowed(staff: StaffRecord, permission: Permission) -> bool:
    return permission in PERMISSIONS[staff.role]


def covers(staff: StaffRecord, unit_code: str | None) -> bool:
    """Whether the account's units include ``unit_code``; a kiosk with no unit recorded yet
    belongs to nobody's area, so only a province administrator sees its dossiers."""
    if unit_code is None:
        return staff.role is StaffRole.PROVINCE_ADMIN
    return in_scope(staff.unit_prefix, unit_code)


NEXT_STATUSES: dict[ProcessingStatus, tuple[ProcessingStatus, ...]] = {
    ProcessingStatus.RECEIVED: (
        ProcessingStatus.PROCESSING,
        ProcessingStatus.ADDITIONAL_DOCUMENTS_REQUIRED,
        ProcessingStatus.REJECTED,
    ),
    ProcessingStatus.PROCESSING: (
        ProcessingStatus.READY,
        ProcessingStatus.ADDITIONAL_DOCUMENTS_REQUIRED,
        ProcessingStatus.REJECTED,
    ),
    ProcessingStatus.ADDITIONAL_DOCUMENTS_REQUIRED: (
        ProcessingStatus.PROCESSING,
        ProcessingStatus.REJECTED,
    ),
    ProcessingStatus.READY: (ProcessingStatus.RETURNED,),
    ProcessingStatus.RETURNED: (),
    ProcessingStatus.REJECTED: (),
}
"""The back office's steps: received → processing → ready (result ready) → returned, with a
request for more papers or a refusal on the way. Returned and rejected are final."""

STATUS_LABELS: dict[ProcessingStatus, str] = {
    ProcessingStatus.RECEIVED: "Đã tiếp nhận",
    ProcessingStatus.PROCESSING: "Đang xử lý",
    ProcessingStatus.ADDITIONAL_DOCUMENTS_REQUIRED: "Cần bổ sung giấy tờ",
    ProcessingStatus.READY: "Đã có kết quả",
    ProcessingStatus.RETURNED: "Đã trả kết quả",
    ProcessingStatus.REJECTED: "Từ chối tiếp nhận",
}
AWAITING_FILES_LABEL = "Đang chờ nhận đủ tệp"

ROLE_LABELS: dict[StaffRole, str] = {
    StaffRole.PROVINCE_ADMIN: "Quản trị viên tỉnh",
    StaffRole.DISTRICT_TECHNICIAN: "Kỹ thuật viên huyện",
    StaffRole.COMMUNE_STAFF: "Cán bộ xã",
}
