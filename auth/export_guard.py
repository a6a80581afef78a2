"""A deferred download runs only for the session that drew its button.

Streamlit runs a download button's deferred callable for any websocket that names its file id
(DeferredFileHandler ignores which session asks), so a file id seen once, in a screen share, a
log or a proxy, lets another session, logged in or not, build that export. The guard refuses a
request whose session did not register the file id. The finished file's media URL stays a
capability URL (README, "Deploying securely").
"""

from __future__ import annotations

import logging
from typing import Any

from streamlit.proto.ForwardMsg_pb2 import BackendOperationResponse
from streamlit.runtime.backend_operation_handler import DeferredFileHandler

_LOGGER = logging.getLogger(__name__)


def session_owns_deferred_file(media_file_manager: Any, session_id: str, file_id: str) -> bool:
    owned = getattr(media_file_manager, "_deferred_ids_by_session", {}).get(session_id, set())
    return file_id in owned


def install() -> None:
    """Wrap Streamlit's deferred-download handler once per process (idempotent)."""
    handle = DeferredFileHandler.handle
    if getattr(handle, "_own_session_only", False):
        return

    async def own_session_only(self: DeferredFileHandler, request: Any, session_id: str) -> Any:
        file_id = request.deferred_file.file_id
        if not session_owns_deferred_file(self._get_media_file_mgr(), session_id, file_id):
            _LOGGER.warning("Refused a deferred download for a file id this session did not draw.")
            return BackendOperationResponse(request_id=request.request_id,
                                            error_msg="Failed to generate file for download")
        return await handle(self, request, session_id)

    own_session_only._own_session_only = True  # type: ignore[attr-defined]
    DeferredFileHandler.handle = own_session_only  # type: ignore[method-assign]
