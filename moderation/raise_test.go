package moderation

import (
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
)

func TestRaise(t *testing.T) {
	events := []plaudit.Event{
		{Source: plaudit.SourceDiscord, ExternalID: "l1", Kind: plaudit.KindLink, Actor: "a1", Time: t0, Attrs: map[string]any{"member": "alice"}},
		{Source: plaudit.SourceDiscord, ExternalID: "l2", Kind: plaudit.KindLink, Actor: "b1", Time: t0, Attrs: map[string]any{"member": "bob"}},
		{Source: plaudit.SourceDiscord, ExternalID: "c1", Kind: plaudit.KindComment, Actor: "b1", Time: t0},
		{Source: plaudit.SourceX, ExternalID: "p1", Kind: plaudit.KindPost, Actor: "99", Time: t0},
	}
	dir := plaudit.BuildDirectory(events)
	lookup := func(src plaudit.Source, id string) (*plaudit.Event, error) {
		for i := range events {
			if events[i].Source == src && events[i].ExternalID == id {
				return &events[i], nil
			}
		}
		return nil, plaudit.Errorf(plaudit.ENOTFOUND, "event %s/%s not found", src, id)
	}
	for _, c := range []struct {
		subject, by               string
		wantSubject, wantMember   string
		wantBy, wantCode, wantMsg string
	}{
		{"discord/c1", "alice", "discord/c1", "bob", "alice", "", ""},
		{"discord/c1", "discord:a1", "discord/c1", "bob", "alice", "", ""},
		{"x/p1", "bob", "x/p1", "x:99", "bob", "", ""},
		{"member:bob", "alice", "member:bob", "bob", "alice", "", ""},
		{"member:discord:b1", "alice", "member:bob", "bob", "alice", "", ""},
		{"member:x:99", "bob", "member:x:99", "x:99", "bob", "", ""},
		{"discord/nope", "alice", "", "", "", plaudit.ENOTFOUND, "flag discord/nope: no such event in the log"},
		{"discord/c1", "zed", "", "", "", plaudit.ENOTFOUND, `flag discord/c1: --by: unknown member "zed"`},
		{"member:zed", "alice", "", "", "", plaudit.ENOTFOUND, `flag member:zed: unknown member "zed"`},
		{"discord/c1", "", "", "", "", plaudit.EINVALID, "missing member"},
		{"nosuch/c1", "alice", "", "", "", plaudit.EINVALID, "want an event key"},
		// Nobody flags themselves, by handle, by account or through a member subject.
		{"discord/c1", "bob", "", "", "", plaudit.EFORBIDDEN, "flag discord/c1: bob cannot flag themselves"},
		{"discord/c1", "discord:b1", "", "", "", plaudit.EFORBIDDEN, "bob cannot flag themselves"},
		{"member:alice", "discord:a1", "", "", "", plaudit.EFORBIDDEN, "alice cannot flag themselves"},
	} {
		f, err := Raise(dir, lookup, c.subject, c.by, "spam", t0)
		if c.wantCode != "" {
			if plaudit.ErrorCode(err) != c.wantCode || !strings.Contains(plaudit.ErrorMessage(err), c.wantMsg) {
				t.Errorf("Raise(%q, %q): %v; want %s with %q", c.subject, c.by, err, c.wantCode, c.wantMsg)
			}
			continue
		}
		if err != nil {
			t.Errorf("Raise(%q, %q): %v", c.subject, c.by, err)
			continue
		}
		if f.Subject != c.wantSubject || f.Member != c.wantMember || f.By != c.wantBy || f.Status != Open {
			t.Errorf("Raise(%q, %q) = %+v", c.subject, c.by, f)
		}
	}
}
