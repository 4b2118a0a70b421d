package moderation

import (
	"crypto/sha256"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
)

var t0 = time.Date(2026, 11, 18, 12, 0, 0, 0, time.UTC) // a Wednesday

// weekly is a Monday-aligned weekly epoch function, as settle's weekly period.
func weekly(t time.Time) (time.Time, time.Time, error) {
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	d = d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
	return d, d.AddDate(0, 0, 7), nil
}

var (
	mod   = Actor{Handle: "mod", Moderator: true}
	mod2  = Actor{Handle: "mod2", Moderator: true}
	alice = Actor{Handle: "alice"}
)

func newFlag(t *testing.T) *Flag {
	t.Helper()
	f, err := New("x/1", "bob", "alice", "spam reply", t0)
	if err != nil {
		t.Fatal(err)
	}
	f.ID = 7
	return f
}

func effects(t *testing.T, n int) Effects {
	t.Helper()
	e, err := DefaultConfig().Effects(weekly, t0.Add(time.Hour), n)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func confirmed(t *testing.T) *Flag {
	f := newFlag(t)
	if err := Confirm(f, mod, t0.Add(time.Hour), "seen it", effects(t, 2)); err != nil {
		t.Fatal(err)
	}
	return f
}

func appealed(t *testing.T) *Flag {
	f := confirmed(t)
	if err := FileAppeal(f, "bob", t0.Add(2*time.Hour), "it was a joke"); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestNew(t *testing.T) {
	for _, c := range []struct {
		subject, member, by, reason string
		want                        string // "" for success, else a fragment of the error
	}{
		{"x/1", "bob", "alice", "spam", ""},
		{"member:bob", "bob", "alice", "sybil", ""},
		{"github/o/r#1", "bob", "alice", "spam", ""},
		{"nosuch/1", "bob", "alice", "spam", "want an event key"},
		{"x/", "bob", "alice", "spam", "want an event key"},
		{"x1", "bob", "alice", "spam", "want an event key"},
		{"member:", "bob", "alice", "spam", "empty member handle"},
		{"member: ", "bob", "alice", "spam", "empty member handle"},
		{"x/1", "", "alice", "spam", "no member"},
		{"x/1", "bob", "", "spam", "missing --by"},
		{"x/1", "bob", "alice", " ", "missing reason"},
		{"x/1", "bob", "alice", strings.Repeat("a", MaxReason+1), "too long"},
		{"x/1", "bob", "alice", "a\x00b", "NUL"},
	} {
		f, err := New(c.subject, c.member, c.by, c.reason, t0)
		if c.want == "" {
			if err != nil || f.Status != Open {
				t.Errorf("New(%q): %v, %+v", c.subject, err, f)
			}
			continue
		}
		if err == nil || plaudit.ErrorCode(err) != plaudit.EINVALID || !strings.Contains(plaudit.ErrorMessage(err), c.want) {
			t.Errorf("New(%q, %q, %q, %.10q): error %v, want EINVALID with %q", c.subject, c.member, c.by, c.reason, err, c.want)
		}
	}
}

// TestTransitions walks every transition of the state machine and every refusal, checking the error code
// and that a refused action leaves the flag as it was.
func TestTransitions(t *testing.T) {
	later := t0.Add(3 * time.Hour)
	for _, c := range []struct {
		name  string
		start func(*testing.T) *Flag
		act   func(*Flag) error
		code  string // "" for success
		check func(*testing.T, *Flag)
	}{
		{"confirm", newFlag, func(f *Flag) error { return Confirm(f, mod, later, "ok", effects(t, 0)) }, "",
			func(t *testing.T, f *Flag) {
				if f.Status != Confirmed || f.Decision.By != "mod" || f.Decision.Note != "ok" || !f.Decision.At.Equal(later) || !Standing(f) {
					t.Errorf("confirmed flag: %+v %+v", f, f.Decision)
				}
			}},
		{"reject", newFlag, func(f *Flag) error { return Reject(f, mod, later, "no") }, "",
			func(t *testing.T, f *Flag) {
				if f.Status != Rejected || f.Decision.By != "mod" || f.Effects != nil || Standing(f) {
					t.Errorf("rejected flag: %+v", f)
				}
			}},
		{"confirm by non-moderator", newFlag, func(f *Flag) error { return Confirm(f, Actor{Handle: "carol"}, later, "", effects(t, 0)) }, plaudit.EFORBIDDEN, nil},
		{"reject by non-moderator", newFlag, func(f *Flag) error { return Reject(f, Actor{Handle: "carol"}, later, "") }, plaudit.EFORBIDDEN, nil},
		{"confirm own flag", newFlag, func(f *Flag) error { return Confirm(f, Actor{"alice", true}, later, "", effects(t, 0)) }, plaudit.EFORBIDDEN, nil},
		{"reject flag against self", newFlag, func(f *Flag) error { return Reject(f, Actor{"bob", true}, later, "") }, plaudit.EFORBIDDEN, nil},
		{"confirm without moderator", newFlag, func(f *Flag) error { return Confirm(f, Actor{}, later, "", effects(t, 0)) }, plaudit.EINVALID, nil},
		{"confirm before flag", newFlag, func(f *Flag) error { return Confirm(f, mod, t0.Add(-time.Second), "", effects(t, 0)) }, plaudit.EINVALID, nil},
		{"confirm negative exclusion", newFlag, func(f *Flag) error { return Confirm(f, mod, later, "", Effects{ExcludeEpochs: -1}) }, plaudit.EINVALID, nil},
		{"confirm huge exclusion", newFlag, func(f *Flag) error { return Confirm(f, mod, later, "", Effects{ExcludeEpochs: MaxExcludeEpochs + 1}) }, plaudit.EINVALID, nil},
		{"confirm bad multiplier", newFlag, func(f *Flag) error { return Confirm(f, mod, later, "", Effects{Penalty: plaudit.One + 1}) }, plaudit.EINVALID, nil},
		{"confirm long note", newFlag, func(f *Flag) error { return Confirm(f, mod, later, strings.Repeat("n", MaxReason+1), effects(t, 0)) }, plaudit.EINVALID, nil},
		{"confirm twice", confirmed, func(f *Flag) error { return Confirm(f, mod2, later, "", effects(t, 0)) }, plaudit.ECONFLICT, nil},
		{"reject confirmed", confirmed, func(f *Flag) error { return Reject(f, mod2, later, "") }, plaudit.ECONFLICT, nil},
		{"confirm rejected", func(t *testing.T) *Flag {
			f := newFlag(t)
			if err := Reject(f, mod, later, ""); err != nil {
				t.Fatal(err)
			}
			return f
		}, func(f *Flag) error { return Confirm(f, mod2, later, "", effects(t, 0)) }, plaudit.ECONFLICT, nil},

		{"appeal", confirmed, func(f *Flag) error { return FileAppeal(f, "bob", later, "misread") }, "",
			func(t *testing.T, f *Flag) {
				if f.Appeal == nil || f.Appeal.Reason != "misread" || f.Appeal.Outcome != "" || !Standing(f) {
					t.Errorf("appealed flag: %+v", f.Appeal)
				}
			}},
		{"appeal by another member", confirmed, func(f *Flag) error { return FileAppeal(f, "carol", later, "r") }, plaudit.EFORBIDDEN, nil},
		{"appeal by the flagger", confirmed, func(f *Flag) error { return FileAppeal(f, "alice", later, "r") }, plaudit.EFORBIDDEN, nil},
		{"appeal open flag", newFlag, func(f *Flag) error { return FileAppeal(f, "bob", later, "r") }, plaudit.ECONFLICT, nil},
		{"appeal rejected flag", func(t *testing.T) *Flag {
			f := newFlag(t)
			if err := Reject(f, mod, later, ""); err != nil {
				t.Fatal(err)
			}
			return f
		}, func(f *Flag) error { return FileAppeal(f, "bob", later, "r") }, plaudit.ECONFLICT, nil},
		{"appeal twice", appealed, func(f *Flag) error { return FileAppeal(f, "bob", later, "again") }, plaudit.ECONFLICT, nil},
		{"appeal without reason", confirmed, func(f *Flag) error { return FileAppeal(f, "bob", later, "") }, plaudit.EINVALID, nil},
		{"appeal without member", confirmed, func(f *Flag) error { return FileAppeal(f, "", later, "r") }, plaudit.EINVALID, nil},
		{"appeal before confirmation", confirmed, func(f *Flag) error { return FileAppeal(f, "bob", t0, "r") }, plaudit.EINVALID, nil},

		{"uphold", appealed, func(f *Flag) error { return DecideAppeal(f, mod2, later, Upheld, "stands") }, "",
			func(t *testing.T, f *Flag) {
				if f.Appeal.Outcome != Upheld || f.Appeal.Decision.By != "mod2" || !Standing(f) {
					t.Errorf("upheld: %+v", f.Appeal)
				}
			}},
		{"overturn", appealed, func(f *Flag) error { return DecideAppeal(f, mod2, later, Overturned, "") }, "",
			func(t *testing.T, f *Flag) {
				if f.Appeal.Outcome != Overturned || Standing(f) || f.Status != StatusOverturned {
					t.Errorf("overturned: %+v", f.Appeal)
				}
			}},
		{"decide by the confirming moderator", appealed, func(f *Flag) error { return DecideAppeal(f, mod, later, Upheld, "") }, plaudit.EFORBIDDEN, nil},
		{"decide by non-moderator", appealed, func(f *Flag) error { return DecideAppeal(f, alice, later, Upheld, "") }, plaudit.EFORBIDDEN, nil},
		{"decide by a party", appealed, func(f *Flag) error { return DecideAppeal(f, Actor{"alice", true}, later, Upheld, "") }, plaudit.EFORBIDDEN, nil},
		{"decide without appeal", confirmed, func(f *Flag) error { return DecideAppeal(f, mod2, later, Upheld, "") }, plaudit.ECONFLICT, nil},
		{"decide twice", func(t *testing.T) *Flag {
			f := appealed(t)
			if err := DecideAppeal(f, mod2, later, Upheld, ""); err != nil {
				t.Fatal(err)
			}
			return f
		}, func(f *Flag) error { return DecideAppeal(f, Actor{"mod3", true}, later, Overturned, "") }, plaudit.ECONFLICT, nil},
		{"decide unknown outcome", appealed, func(f *Flag) error { return DecideAppeal(f, mod2, later, "maybe", "") }, plaudit.EINVALID, nil},
		{"decide before appeal", appealed, func(f *Flag) error { return DecideAppeal(f, mod2, t0.Add(time.Hour), Upheld, "") }, plaudit.EINVALID, nil},
		{"decide without moderator", appealed, func(f *Flag) error { return DecideAppeal(f, Actor{}, later, Upheld, "") }, plaudit.EINVALID, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := c.start(t)
			before := fmt.Sprintf("%+v %+v %+v %+v", *f, f.Decision, f.Effects, f.Appeal)
			err := c.act(f)
			if got := plaudit.ErrorCode(err); got != c.code {
				t.Fatalf("error %v (code %q), want code %q", err, got, c.code)
			}
			if c.code != "" {
				if after := fmt.Sprintf("%+v %+v %+v %+v", *f, f.Decision, f.Effects, f.Appeal); after != before {
					t.Errorf("refused action changed the flag:\n%s\n%s", before, after)
				}
				if !strings.Contains(plaudit.ErrorMessage(err), "flag 7") {
					t.Errorf("error %q does not name the flag", plaudit.ErrorMessage(err))
				}
				return
			}
			c.check(t, f)
		})
	}
}

func TestEffects(t *testing.T) {
	at := t0 // Wednesday 2026-11-18; the week began Monday 2026-11-16
	e, err := DefaultConfig().Effects(weekly, at, 3)
	if err != nil {
		t.Fatal(err)
	}
	week := func(d int) time.Time { return time.Date(2026, 11, 16+7*d, 0, 0, 0, 0, time.UTC) }
	if !e.From.Equal(week(0)) || !e.PenaltyUntil.Equal(week(1)) || !e.ExcludedUntil.Equal(week(3)) || e.Penalty != plaudit.One/2 {
		t.Errorf("effects %+v", e)
	}
	if e, _ := DefaultConfig().Effects(weekly, at, 0); !e.ExcludedUntil.IsZero() {
		t.Errorf("no exclusion: until %v", e.ExcludedUntil)
	}
	for _, c := range []struct {
		cfg Config
		n   int
	}{{DefaultConfig(), -1}, {DefaultConfig(), MaxExcludeEpochs + 1}, {Config{Penalty: 1, PenaltyEpochs: 0}, 0}, {Config{Penalty: -1, PenaltyEpochs: 1}, 0}} {
		if _, err := c.cfg.Effects(weekly, at, c.n); plaudit.ErrorCode(err) != plaudit.EINVALID {
			t.Errorf("Effects(%+v, %d): %v, want EINVALID", c.cfg, c.n, err)
		}
	}
}

func TestVerdicts(t *testing.T) {
	week := func(d int) (time.Time, time.Time) {
		s := time.Date(2026, 11, 16+7*d, 0, 0, 0, 0, time.UTC)
		return s, s.AddDate(0, 0, 7)
	}
	f := confirmed(t) // event flag x/1 against bob, excluded for 2 epochs, penalty for 1
	m, err := New("member:carol", "carol", "alice", "sybil farm", t0)
	if err != nil {
		t.Fatal(err)
	}
	m.ID = 8
	if err := Confirm(m, mod, t0.Add(time.Hour), "", effects(t, 0)); err != nil {
		t.Fatal(err)
	}
	open, _ := New("member:dave", "dave", "alice", "?", t0)
	open.ID = 9
	flags := []Flag{*m, *open, *f}

	s, e := week(0)
	got := Verdicts(flags, s, e)
	subjects := func(vs []plaudit.Verdict) string {
		var out []string
		for _, v := range vs {
			var checks []string
			for _, r := range v.Reasons {
				checks = append(checks, r.Check)
			}
			out = append(out, fmt.Sprintf("%s=%s[%s]", v.Subject, v.Multiplier, strings.Join(checks, ",")))
		}
		return strings.Join(out, " ")
	}
	want := "member:bob=0[moderation_penalty,moderation_exclusion] member:carol=0.5[moderation_penalty] x/1=0[moderation_flag]"
	if s := subjects(got); s != want {
		t.Errorf("week 0:\n got %s\nwant %s", s, want)
	}
	s, e = week(1)
	if s := subjects(Verdicts(flags, s, e)); s != "member:bob=0[moderation_exclusion] x/1=0[moderation_flag]" {
		t.Errorf("week 1: %s", s)
	}
	s, e = week(2)
	if s := subjects(Verdicts(flags, s, e)); s != "x/1=0[moderation_flag]" {
		t.Errorf("week 2: %s", s)
	}
	// The week before the confirmation is untouched for members.
	s, e = week(-1)
	if s := subjects(Verdicts(flags, s, e)); s != "x/1=0[moderation_flag]" {
		t.Errorf("week -1: %s", s)
	}
	// Overturning lifts everything.
	if err := FileAppeal(f, "bob", t0.Add(2*time.Hour), "no"); err != nil {
		t.Fatal(err)
	}
	if err := DecideAppeal(f, mod2, t0.Add(3*time.Hour), Overturned, ""); err != nil {
		t.Fatal(err)
	}
	s, e = week(0)
	if s := subjects(Verdicts([]Flag{*f}, s, e)); s != "" {
		t.Errorf("overturned: %s", s)
	}
	if ex := Exclusions([]Flag{*f}); len(ex) != 0 {
		t.Errorf("overturned flag still excludes: %+v", ex)
	}
	// Same flags in another order: same verdicts.
	s, e = week(0)
	if !reflect.DeepEqual(Verdicts([]Flag{*f, *m, *open}, s, e), Verdicts([]Flag{*open, *m, *f}, s, e)) {
		t.Error("verdicts depend on flag order")
	}
}

func TestMerge(t *testing.T) {
	a := []plaudit.Verdict{{Subject: "member:b", Multiplier: plaudit.One / 2, Reasons: []plaudit.Reason{{Check: "sybil"}}}, {Subject: "x/1", Multiplier: 0}}
	b := []plaudit.Verdict{{Subject: "member:b", Multiplier: plaudit.One / 2, Reasons: []plaudit.Reason{{Check: CheckPenalty}}}, {Subject: "member:a", Multiplier: plaudit.One}}
	got := Merge(a, b)
	if len(got) != 3 || got[0].Subject != "member:a" || got[1].Multiplier != plaudit.One/4 || len(got[1].Reasons) != 2 || got[1].Reasons[0].Check != "sybil" {
		t.Errorf("Merge: %+v", got)
	}
	if a[0].Multiplier != plaudit.One/2 || len(a[0].Reasons) != 1 {
		t.Error("Merge changed its input")
	}
}

// TestSample reproduces the documented algorithm independently and checks determinism.
func TestSample(t *testing.T) {
	var keys []string
	for i := range 200 {
		keys = append(keys, fmt.Sprintf("x/%d", i))
	}
	const epoch = "default@2026-11-16T00:00:00Z"
	got := Sample(epoch, keys, 10)

	// The documented recipe, written out again: sort by hex(sha256(epoch + NUL + key)), take the first 10.
	type kv struct{ k, h string }
	var all []kv
	for _, k := range keys {
		all = append(all, kv{k, fmt.Sprintf("%x", sha256.Sum256([]byte(epoch+"\x00"+k)))})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].h < all[j].h })
	var want []string
	for _, x := range all[:10] {
		want = append(want, x.k)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("sample %v, want %v", got, want)
	}
	// The same epoch gives the same sample whatever the order and duplicates of its input.
	shuffled := append([]string(nil), keys...)
	for i := range shuffled {
		j := (i * 7919) % len(shuffled)
		shuffled[i], shuffled[j] = shuffled[j], shuffled[i]
	}
	shuffled = append(shuffled, keys[:50]...)
	if again := Sample(epoch, shuffled, 10); !reflect.DeepEqual(again, got) {
		t.Errorf("reordered input: %v, want %v", again, got)
	}
	// Another epoch draws another sample; a prefix of a larger sample is the smaller one.
	if other := Sample("default@2026-11-23T00:00:00Z", keys, 10); reflect.DeepEqual(other, got) {
		t.Error("two epochs drew the same sample")
	}
	if big := Sample(epoch, keys, 20); !reflect.DeepEqual(big[:10], got) {
		t.Error("a larger sample does not extend the smaller one")
	}
	if n := len(Sample(epoch, keys, 500)); n != 200 {
		t.Errorf("oversized sample has %d keys", n)
	}
	if n := len(Sample(epoch, nil, 5)); n != 0 {
		t.Errorf("empty input: %d keys", n)
	}
	if n := len(Sample(epoch, keys, -1)); n != 0 {
		t.Errorf("negative size: %d keys", n)
	}
}

func TestSampleSize(t *testing.T) {
	for _, c := range []struct {
		total int
		rate  plaudit.Ratio
		want  int
	}{{0, 50_000, 0}, {100, 0, 0}, {100, 50_000, 5}, {101, 50_000, 6}, {1, 1, 1}, {10, plaudit.One, 10}, {10, 2 * plaudit.One, 10}} {
		if got := SampleSize(c.total, c.rate); got != c.want {
			t.Errorf("SampleSize(%d, %s) = %d, want %d", c.total, c.rate, got, c.want)
		}
	}
}
