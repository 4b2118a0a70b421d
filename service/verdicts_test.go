package service_test

import (
	"context"
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/service"
)

// TestCloseRefusesUnknownVerdictSubjects: verdicts from a file whose subject the event log does not hold
// (a typo, a file for another store) are refused with the file and each verdict named, and the close writes
// nothing; verdicts on real events and members are accepted.
func TestCloseRefusesUnknownVerdictSubjects(t *testing.T) {
	ctx := context.Background()
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		svc := setUp(t, st)
		l, err := svc.ReadLog(ctx, nil)
		if err != nil || len(l.Events) == 0 {
			t.Fatal(err)
		}
		ev := l.Events[0].Key()
		bad := []plaudit.Verdict{
			{Subject: ev, Multiplier: plaudit.One / 2},
			{Subject: "discord/no-such-event", Multiplier: 0},
			{Subject: "member:nobody-at-all", Multiplier: 0},
		}
		_, err = svc.CloseEpochs(ctx, service.CloseRequest{Verdicts: bad, VerdictsFrom: "v.json", Operator: "test"})
		if plaudit.ErrorCode(err) != plaudit.EINVALID || !strings.Contains(err.Error(), "verdicts v.json: 2 unknown subject(s)") ||
			!strings.Contains(err.Error(), "[1] (discord/no-such-event)") || !strings.Contains(err.Error(), "[2] (member:nobody-at-all)") {
			t.Fatalf("close with unknown subjects: %v", err)
		}
		if eps, err := st.Epochs(ctx, ""); err != nil || len(eps) != 0 {
			t.Fatalf("the refused close wrote epochs: %v %v", eps, err)
		}
		good := []plaudit.Verdict{{Subject: ev, Multiplier: plaudit.One / 2}, {Subject: plaudit.MemberSubject(l.Events[0].Actor), Multiplier: plaudit.One}}
		if err := svc.CheckVerdictSubjects(ctx, good[:1], "v.json"); err != nil {
			t.Fatalf("a verdict on a real event: %v", err)
		}
		dir := l.Directory(0)
		if m := dir.Members(); len(m) > 0 {
			good[1].Subject = plaudit.MemberSubject(m[0].Handle)
			if err := svc.CheckVerdictSubjects(ctx, good, "v.json"); err != nil {
				t.Fatalf("verdicts on a real event and member: %v", err)
			}
		}
	})
}
