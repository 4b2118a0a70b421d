package service

import (
	"context"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/settle"
)

// AdvancedCatchUps is how many catch-ups of s moved its live engine over events another process scored
// instead of rebuilding it from the log.
func AdvancedCatchUps(s *Service) int { return s.advanced }

// PeekMemberInfos returns the members' kinds and wallets that an epoch close of the log as it ends now
// reads (logView.memberInfos of a streamed view), calling between after the view is taken and before it
// reads, whether that built the whole directory, and whether it took those a rescore kept.
func PeekMemberInfos(ctx context.Context, s *Service, between func()) (infos map[string]settle.MemberInfo, built, kept bool, err error) {
	v, err := s.peekLogView(ctx, nil)
	if err != nil {
		return nil, false, false, err
	}
	between()
	infos, err = v.memberInfos(ctx)
	return infos, v.dir != nil, v.keptMembers, err
}

// SetLogPage makes each query of a walk of the log read n events, and returns what restores it.
func SetLogPage(n int) (restore func()) {
	old := logPage
	logPage = n
	return func() { logPage = old }
}

// LogSource is s's event log through seq as a stream (logSource), for its tests.
func LogSource(ctx context.Context, s *Service, through int64) plaudit.EventStream {
	return s.logSource(ctx, through)
}
