"""Errors of the governance area; messages are shown to members as they are."""

from __future__ import annotations

from server.errors import ConflictError, ForbiddenError, NotFoundError


class NotAMemberError(ForbiddenError):
    code = "not_a_member"

    def __init__(self, message: str = "Only active members of the cooperative can do that."
                 ) -> None:
        super().__init__(message)


class ProposalNotFoundError(NotFoundError):
    code = "proposal_not_found"

    def __init__(self, proposal_id: int) -> None:
        super().__init__("There is no such proposal.", proposal_id=proposal_id)


class ProposalNotOpenError(ConflictError):
    code = "proposal_not_open"

    def __init__(self, proposal_id: int) -> None:
        super().__init__("This proposal is not open for voting yet.", proposal_id=proposal_id)


class ProposalClosedError(ConflictError):
    code = "proposal_closed"

    def __init__(self, proposal_id: int) -> None:
        super().__init__("This proposal is closed for voting.", proposal_id=proposal_id)
