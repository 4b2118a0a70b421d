package plaudit

import (
	"testing"
	"time"
)

func TestMemberOfAccount(t *testing.T) {
	t0 := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	d := BuildDirectory([]Event{
		{Source: SourceX, ExternalID: "1", Kind: KindLink, Actor: "42", Time: t0, Attrs: map[string]any{"member": "alice"}},
		{Source: SourceX, ExternalID: "2", Kind: KindLike, Actor: "7", Target: "p", TargetAuthor: "42", Time: t0},
	})
	for _, c := range []struct {
		src      Source
		id, want string
	}{
		{SourceX, "42", "alice"}, {SourceX, "7", "x:7"}, {SourceX, "nobody", ""}, {SourceDiscord, "42", ""},
	} {
		if got := d.MemberOfAccount(c.src, c.id); got != c.want || got != d.MemberOf(string(c.src)+":"+c.id) {
			t.Errorf("MemberOfAccount(%s, %s) = %q, want %q", c.src, c.id, got, c.want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { d.MemberOfAccount(SourceX, "42") }); n != 0 {
		t.Errorf("%v allocations", n)
	}
}
