package plaudit

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func validEvent() Event {
	return Event{Source: SourceX, ExternalID: "1", Kind: KindReply, Actor: "u1", Target: "0", TargetAuthor: "u2",
		Content: "hello", Time: time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)}
}

func TestEventValidate(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(e *Event)
		field string
	}{
		{"ok", func(e *Event) {}, ""},
		{"missing id", func(e *Event) { e.ExternalID = "" }, "id"},
		{"unknown source", func(e *Event) { e.Source = "myspace" }, "source"},
		{"unknown kind", func(e *Event) { e.Kind = "liek" }, "kind"},
		{"source kind elsewhere", func(e *Event) { e.Kind = "commit" }, "kind"},
		{"missing actor", func(e *Event) { e.Actor = "" }, "actor"},
		{"long target", func(e *Event) { e.Target = strings.Repeat("a", MaxIDLen+1) }, "target"},
		{"long content", func(e *Event) { e.Content = strings.Repeat("a", MaxContentLen+1) }, "content"},
		{"bad utf8", func(e *Event) { e.Content = "a\xffb" }, "content"},
		{"nul", func(e *Event) { e.Actor = "a\x00b" }, "actor"},
		{"zero time", func(e *Event) { e.Time = time.Time{} }, "time"},
		{"far time", func(e *Event) { e.Time = time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC) }, "time"},
		{"attr utf8", func(e *Event) { e.Attrs = map[string]any{"k": "\xff"} }, "attrs.k"},
		{"tier missing", func(e *Event) { e.Kind = KindTier }, "attrs.tier"},
		{"tier ok", func(e *Event) { e.Kind = KindTier; e.Attrs = map[string]any{"tier": json.Number("2")} }, ""},
		{"link missing member", func(e *Event) { e.Kind = KindLink }, "attrs.member"},
		{"link bad kind", func(e *Event) {
			e.Kind = KindLink
			e.Attrs = map[string]any{"member": "m1", "member_kind": "alien"}
		}, "attrs.member_kind"},
		{"merge", func(e *Event) { e.Kind = KindMerge; e.Attrs = map[string]any{"from": "a"} }, "attrs.into"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := validEvent()
			tt.edit(&e)
			errs := e.Validate()
			if tt.field == "" {
				if len(errs) != 0 {
					t.Fatalf("want valid, got %v", errs)
				}
				return
			}
			if len(errs) == 0 || errs[0].Field != tt.field {
				t.Fatalf("want error on %s, got %v", tt.field, errs)
			}
		})
	}
	e := validEvent()
	e.Kind = "commit"
	e.Source = SourceGitHub
	if errs := e.Validate(); len(errs) != 0 {
		t.Fatalf("github commit should be valid: %v", errs)
	}
}

func TestFieldErrorMessage(t *testing.T) {
	fe := &FieldError{Line: 7, Index: -1, ID: "abc", Field: "kind", Reason: `unknown kind "liek"`}
	if got, want := fe.Error(), `line 7: id "abc": field kind: unknown kind "liek"`; got != want {
		t.Fatalf("got %q want %q", got, want)
	}
}

// TestSetIDs splits one string into the four ids, empty ones included, in their order.
func TestSetIDs(t *testing.T) {
	for _, c := range []struct {
		ids                  string
		id, actor, target    int
		wantID, wantActor    string
		wantTarget, wantAuth string
	}{
		{"p1abobt9carol", 2, 3, 2, "p1", "abo", "bt", "9carol"},
		{"p1a", 2, 1, 0, "p1", "a", "", ""},
		{"xy", 1, 0, 0, "x", "", "", "y"},
	} {
		var e Event
		e.SetIDs(c.ids, c.id, c.actor, c.target)
		if e.ExternalID != c.wantID || e.Actor != c.wantActor || e.Target != c.wantTarget || e.TargetAuthor != c.wantAuth {
			t.Errorf("%q (%d, %d, %d): %q %q %q %q", c.ids, c.id, c.actor, c.target, e.ExternalID, e.Actor, e.Target, e.TargetAuthor)
		}
	}
}
