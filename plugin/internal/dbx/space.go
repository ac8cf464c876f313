package dbx

import (
	"context"
	"errors"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/auth"
)

// FreeSpace asks Dropbox (users/get_space_usage, scope account_info.read)
// how many bytes the account may still take. For a team member it is the
// smaller of the team's free space and, when the team limits the member
// (user_within_team_space_allocated above 0, limit type stop_sync), the
// member's (users.stone, TeamSpaceAllocation). An allocation of a kind
// this SDK does not know says nothing: ok is false.
func (c *Client) FreeSpace(ctx context.Context) (free int64, ok bool, err error) {
	u, err := c.Users.GetSpaceUsageContext(ctx)
	if err != nil {
		return 0, false, err
	}
	left := func(allocated, used uint64) int64 {
		if used >= allocated {
			return 0
		}
		return int64(min(allocated-used, 1<<62))
	}
	switch a := u.Allocation; {
	case a != nil && a.Individual != nil:
		return left(a.Individual.Allocated, u.Used), true, nil
	case a != nil && a.Team != nil:
		t := a.Team
		free := left(t.Allocated, t.Used)
		if t.UserWithinTeamSpaceAllocated > 0 && t.UserWithinTeamSpaceLimitType != nil && t.UserWithinTeamSpaceLimitType.Tag == "stop_sync" {
			free = min(free, left(t.UserWithinTeamSpaceAllocated, t.UserWithinTeamSpaceUsedCached))
		}
		return free, true, nil
	}
	return 0, false, nil
}

// MissingScope reports whether err is Dropbox refusing a call because the
// credential lacks a scope (401 missing_scope).
func MissingScope(err error) bool {
	var ae auth.AuthAPIError
	return errors.As(err, &ae) && ae.AuthError != nil && ae.AuthError.Tag == auth.AuthErrorMissingScope
}
