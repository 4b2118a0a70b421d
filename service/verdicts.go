package service

import (
	"context"
	"fmt"
	"strings"

	"github.com/plaudit/plaudit"
)

// CheckVerdictSubjects refuses verdicts given from outside (a file, name in errors) whose subject is
// neither an event key ("source/id") of the event log nor "member:" and a member handle of it: such a
// verdict would silently apply to nothing, which is nearly always a typo or a file for another store. It
// reports every unknown subject with its index, EINVALID, and reads nothing but the log.
func (s *Service) CheckVerdictSubjects(ctx context.Context, vs []plaudit.Verdict, name string) error {
	if len(vs) == 0 {
		return nil
	}
	l, err := s.ReadLog(ctx, nil)
	if err != nil {
		return fmt.Errorf("verdicts %s: %w", name, err)
	}
	keys := make(map[string]bool, len(l.Events))
	for i := range l.Events {
		keys[l.Events[i].Key()] = true
	}
	dir := l.Directory(0)
	var unknown []string
	for i, v := range vs {
		if h, ok := strings.CutPrefix(v.Subject, "member:"); ok {
			if _, found := dir.Member(h); !found {
				unknown = append(unknown, fmt.Sprintf("[%d] (%s): no member %s in the event log", i, v.Subject, h))
			}
			continue
		}
		if !keys[v.Subject] {
			unknown = append(unknown, fmt.Sprintf("[%d] (%s): no such event in the event log (want an event key source/id or member:HANDLE)", i, v.Subject))
		}
	}
	if len(unknown) > 0 {
		return plaudit.Errorf(plaudit.EINVALID, "verdicts %s: %d unknown subject(s): %s", name, len(unknown), strings.Join(unknown, "; "))
	}
	return nil
}
