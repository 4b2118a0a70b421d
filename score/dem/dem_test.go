package dem

import (
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
)

var t0 = time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)

// xEvent is an X event of the given kind by actor (a numeric id), with its username.
func xEvent(id string, kind plaudit.Kind, actor, username, content string, attrs map[string]any) plaudit.Event {
	if attrs == nil {
		attrs = map[string]any{}
	}
	if username != "" {
		attrs["username"] = username
	}
	return plaudit.Event{Source: plaudit.SourceX, ExternalID: id, Kind: kind, Actor: actor, Content: content, Time: t0, Attrs: attrs}
}

// directory links 100 (acme_hq) to the project member acme and 200 (alice) to the community member alice;
// 300 (bob) links nothing.
func directory() *plaudit.Directory {
	return plaudit.BuildDirectory([]plaudit.Event{
		{Source: plaudit.SourcePlaudit, ExternalID: "op1", Kind: plaudit.KindLink, Actor: "x:100", Time: t0.Add(-time.Hour),
			Attrs: map[string]any{"member": "acme", "member_kind": "project"}},
		{Source: plaudit.SourceX, ExternalID: "l2", Kind: plaudit.KindLink, Actor: "200", Time: t0.Add(-time.Hour),
			Attrs: map[string]any{"member": "alice"}},
		{Source: plaudit.SourceX, ExternalID: "p3", Kind: plaudit.KindPost, Actor: "300", Time: t0.Add(-time.Hour)},
	})
}

func tracker(t *testing.T, mod func(p *Params)) *Tracker {
	t.Helper()
	p := DefaultParams()
	p.Keywords = []string{"acme protocol", "#acmedao"}
	p.CommunityAccounts = []string{"carol"}
	if mod != nil {
		mod(p)
	}
	if errs := p.Validate(); len(errs) > 0 {
		t.Fatalf("params: %v", errs[0])
	}
	tr := NewTracker(p)
	tr.Observe(&plaudit.Event{Source: plaudit.SourceX, Actor: "100", Attrs: map[string]any{"username": "acme_hq"}})
	return tr
}

func rules(r Result) string {
	var out []string
	for _, l := range r.Lines {
		out = append(out, l.Rule+"="+l.Points.String())
	}
	return strings.Join(out, " ")
}

// TestEngagementValue walks the seed's cases: a project account's every post; a community account's post
// only when it is about the program (mention, tag, quote of a tracked account); mentions and tags counted
// once each, oneself aside, up to max_references; a non-participating account earns nothing.
func TestEngagementValue(t *testing.T) {
	dir := directory()
	tr := tracker(t, nil)
	cases := []struct {
		name  string
		e     plaudit.Event
		want  string
		total int64
	}{
		{"project post, about anything", xEvent("1", plaudit.KindPost, "100", "acme_hq", "gm", nil), "dem.post=10", 10},
		{"project post mentioning itself", xEvent("2", plaudit.KindPost, "100", "acme_hq", "follow @acme_hq", nil), "dem.post=10", 10},
		{"linked community post, unrelated", xEvent("3", plaudit.KindPost, "200", "alice", "lunch was good", nil), "dem.irrelevant=0", 0},
		{"linked community post mentioning the project (learned username)", xEvent("4", plaudit.KindPost, "200", "alice", "big news from @ACME_HQ today", nil),
			"dem.post=10 dem.mentions=3", 13},
		{"community reply with the keyword as words", xEvent("5", plaudit.KindReply, "200", "alice", "The Acme Protocol upgrade is live", nil),
			"dem.reply=4 dem.tags=2", 6},
		{"community quote of the project, tagged twice the same", xEvent("6", plaudit.KindQuote, "200", "alice", "#AcmeDAO yes #acmedao",
			map[string]any{"hashtags": []any{"acmedao"}}), "dem.quote=6 dem.tags=2", 8},
		{"mention post of a listed community account via attrs", xEvent("7", plaudit.KindMention, "200", "alice", "hi",
			map[string]any{"mentioned": []any{"carol", "random"}}), "dem.mention=10 dem.mentions=3", 13},
		{"hashtag-only keyword is not matched as a word", xEvent("8", plaudit.KindPost, "200", "alice", "acmedao rocks", nil), "dem.irrelevant=0", 0},
		{"unlinked, unlisted account", xEvent("9", plaudit.KindPost, "300", "bob", "@acme_hq #acmedao", nil), "dem.not_participating=0", 0},
		{"listed community account, not linked", xEvent("10", plaudit.KindPost, "400", "carol", "love #acmedao", nil), "dem.post=10 dem.tags=2", 12},
	}
	for _, c := range cases {
		tr.Observe(&c.e)
		r := tr.Score(&c.e, dir)
		if got := rules(r); got != c.want {
			t.Errorf("%s: lines %s, want %s", c.name, got, c.want)
		}
		if r.Points != plaudit.PointsFromInt(c.total) {
			t.Errorf("%s: %s points, want %d", c.name, r.Points, c.total)
		}
		if r.Unscored != (c.total == 0) {
			t.Errorf("%s: unscored %v", c.name, r.Unscored)
		}
	}
}

// TestUsernameLearned: a project account listed by username is recognised on an event without
// attrs.username, by the name its other events carried.
func TestUsernameLearned(t *testing.T) {
	tr := tracker(t, func(p *Params) { p.ProjectAccounts = []string{"@Acme_Labs"} })
	named := xEvent("1", plaudit.KindPost, "500", "acme_labs", "gm", nil)
	tr.Observe(&named)
	bare := xEvent("2", plaudit.KindReply, "500", "", "thanks", nil)
	if r := tr.Score(&bare, directory()); r.Points != plaudit.PointsFromInt(4) {
		t.Errorf("%s: %s", r.Points, rules(r))
	}
	// And a mention of it by username counts for a community account.
	m := xEvent("3", plaudit.KindPost, "200", "alice", "shoutout to @acme_labs", nil)
	if r := tr.Score(&m, directory()); r.Points != plaudit.PointsFromInt(13) {
		t.Errorf("%s: %s", r.Points, rules(r))
	}
}

// TestMaxReferences: a post stuffed with tracked mentions counts max_references of them.
func TestMaxReferences(t *testing.T) {
	tr := tracker(t, func(p *Params) {
		p.CommunityAccounts = []string{"a1", "a2", "a3", "a4"}
		p.MaxReferences = 2
	})
	e := xEvent("1", plaudit.KindPost, "200", "alice", "@a1 @a2 @a3 @a4 @a1", nil)
	r := tr.Score(&e, directory())
	if r.Points != plaudit.PointsFromInt(10+2*3) {
		t.Fatalf("%s: %s", r.Points, rules(r))
	}
}

// TestLinkedAccountsOff: with linked_accounts off, a community member's linked account earns nothing unless
// listed; a project member's linked account still does.
func TestLinkedAccountsOff(t *testing.T) {
	tr := tracker(t, func(p *Params) { p.LinkedAccounts = false })
	dir := directory()
	e := xEvent("1", plaudit.KindPost, "200", "alice", "@acme_hq", nil)
	if r := tr.Score(&e, dir); r.Points != 0 || r.Lines[0].Rule != "dem.not_participating" {
		t.Errorf("linked community account: %s", rules(r))
	}
	p := xEvent("2", plaudit.KindPost, "100", "acme_hq", "gm", nil)
	if r := tr.Score(&p, dir); r.Points != plaudit.PointsFromInt(10) {
		t.Errorf("project account: %s", rules(r))
	}
}

// TestMalformedAttrs: attributes the scorer reads but cannot (the door refuses them; the log may hold older
// events) score 0 with a dem.invalid line naming the field.
func TestMalformedAttrs(t *testing.T) {
	tr := tracker(t, nil)
	for field, attrs := range map[string]map[string]any{
		"attrs.mentioned":   {"mentioned": "acme_hq"},
		"attrs.hashtags[1]": {"hashtags": []any{"a", 3}},
	} {
		e := xEvent("1", plaudit.KindPost, "100", "acme_hq", "gm", attrs)
		r := tr.Score(&e, directory())
		if r.Points != 0 || len(r.Lines) != 1 || r.Lines[0].Rule != "dem.invalid" || !strings.Contains(r.Lines[0].Note, field) {
			t.Errorf("%s: %+v", field, r)
		}
		if errs := e.Validate(); len(errs) != 1 || errs[0].Field != strings.Split(field, "[")[0] && errs[0].Field != field {
			t.Errorf("%s: the door let it through: %v", field, errs)
		}
	}
}

// TestValidateParams names each bad field.
func TestValidateParams(t *testing.T) {
	p := DefaultParams()
	p.ProjectAccounts = []string{"acme", "ACME", "bad name"}
	p.Keywords = []string{"#two tags", ""}
	p.EV.Tag = -1
	p.MaxReferences = 0
	var got []string
	for _, e := range p.Validate() {
		got = append(got, e.Field)
	}
	want := "project_accounts[1] project_accounts[2] keywords[0] keywords[1] ev.tag max_references"
	if strings.Join(got, " ") != want {
		t.Errorf("fields %v, want %s", got, want)
	}
}
