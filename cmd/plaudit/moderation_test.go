package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/policy"
	"github.com/plaudit/plaudit/sqlstore"
)

const moderationEvents = `{"source":"discord","id":"l1","kind":"link","actor":"a1","time":"2026-11-02T10:00:00Z","attrs":{"member":"alice"}}
{"source":"discord","id":"l2","kind":"link","actor":"b1","time":"2026-11-02T10:00:00Z","attrs":{"member":"bob"}}
{"source":"discord","id":"l3","kind":"link","actor":"m1","time":"2026-11-02T10:00:00Z","attrs":{"member":"mod"}}
{"source":"discord","id":"l4","kind":"link","actor":"m2","time":"2026-11-02T10:00:00Z","attrs":{"member":"mod2"}}
{"source":"discord","id":"c1","kind":"comment","actor":"b1","content":"this is a thoughtful comment about the roadmap and the release plan","time":"2026-11-03T10:00:00Z"}
{"source":"discord","id":"c2","kind":"comment","actor":"a1","content":"another thoughtful comment about governance proposals and voting","time":"2026-11-03T11:00:00Z"}
`

// moderationRecords reads every integrity record of the store at db, for checking that a refused command
// wrote nothing.
func moderationRecords(t *testing.T, db string) (flags []plaudit.Flag, hist []plaudit.FlagAction, mods []plaudit.ModeratorChange) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if flags, err = st.Flags(ctx, plaudit.FlagFilter{}); err != nil {
		t.Fatal(err)
	}
	if hist, err = st.FlagHistory(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if mods, err = st.ModeratorHistory(ctx); err != nil {
		t.Fatal(err)
	}
	return flags, hist, mods
}

// TestModerationCommands drives flags, moderation, appeals, exclusions, audits and the integrity verdicts of
// an epoch end to end through the binary, refusals first.
func TestModerationCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the plaudit binary; skipped with -short")
	}
	bin := epochTestBin(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "plaudit.db")
	evFile := filepath.Join(dir, "events.jsonl")
	if err := os.WriteFile(evFile, []byte(moderationEvents), 0o644); err != nil {
		t.Fatal(err)
	}
	pl := func(args ...string) (string, string, int) {
		t.Helper()
		return run(t, bin, append([]string{"--db", db}, args...)...)
	}
	ok := func(args ...string) string {
		t.Helper()
		out, errOut, code := pl(args...)
		if code != 0 {
			t.Fatalf("plaudit %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
		}
		return out
	}
	// refused runs a command that must fail with exit 2, a message containing want, and no new records.
	refused := func(want string, args ...string) {
		t.Helper()
		f0, h0, m0 := moderationRecords(t, db)
		_, errOut, code := pl(args...)
		if code != 2 || !strings.Contains(errOut, want) {
			t.Errorf("plaudit %s: exit %d, stderr %q; want exit 2 and %q", strings.Join(args, " "), code, errOut, want)
		}
		f1, h1, m1 := moderationRecords(t, db)
		if len(f1) != len(f0) || len(h1) != len(h0) || len(m1) != len(m0) {
			t.Errorf("plaudit %s wrote records: flags %d→%d, history %d→%d, moderator changes %d→%d", strings.Join(args, " "), len(f0), len(f1), len(h0), len(h1), len(m0), len(m1))
		}
		if len(f1) > 0 && len(f0) > 0 && f1[0].Status != f0[0].Status {
			t.Errorf("plaudit %s changed flag 1 from %s to %s", strings.Join(args, " "), f0[0].Status, f1[0].Status)
		}
	}
	ok("import", evFile)

	// A flag on an unknown event, by an unknown member, on an unknown member: clear errors, nothing written.
	refused("flag discord/nope: no such event in the log", "flag", "discord/nope", "--by", "alice", "--reason", "spam")
	refused(`unknown member "zed"`, "flag", "discord/c1", "--by", "zed", "--reason", "spam")
	refused(`flag member:zed: unknown member "zed"`, "flag", "member:zed", "--by", "alice", "--reason", "spam")
	refused("want an event key", "flag", "nosuch/1", "--by", "alice", "--reason", "spam")
	refused("missing reason", "flag", "discord/c1", "--by", "alice")
	refused("bob cannot flag themselves", "flag", "discord/c1", "--by", "bob", "--reason", "mine")
	refused(`unknown member "zed"`, "moderator", "add", "zed", "--by", "op")
	if f, h, _ := moderationRecords(t, db); len(f) != 0 || len(h) != 0 {
		t.Fatalf("refused flags were stored: %+v %+v", f, h)
	}

	// Raise; the member behind an account key is resolved.
	if out := ok("flag", "discord/c1", "--by", "discord:a1", "--reason", "copied"); !strings.Contains(out, "flag 1 on discord/c1 against bob by alice: open") {
		t.Errorf("flag: %q", out)
	}
	refused("already has open flag 1", "flag", "discord/c1", "--by", "alice", "--reason", "again")
	refused("mod is not a moderator", "moderate", "confirm", "1", "--by", "mod")
	ok("moderator", "add", "mod", "--by", "op")
	ok("moderator", "add", "mod2", "--by", "op")
	refused("already a moderator", "moderator", "add", "mod", "--by", "op")
	ok("moderator", "add", "alice", "--by", "op")
	refused("alice raised it", "moderate", "confirm", "1", "--by", "alice")
	ok("moderator", "remove", "alice", "--by", "op", "--note", "only for the test")
	refused("not a moderator", "moderator", "remove", "alice", "--by", "op")
	refused("flag 9 not found", "moderate", "confirm", "9", "--by", "mod")
	refused("exclude epochs", "moderate", "confirm", "1", "--by", "mod", "--exclude-epochs", "-1")
	if out := ok("moderate", "confirm", "1", "--by", "mod", "--exclude-epochs", "2", "--note", "clear copy"); !strings.Contains(out, "excluded for 2 epochs") {
		t.Errorf("confirm: %q", out)
	}
	refused("confirmed already", "moderate", "reject", "1", "--by", "mod2")

	// Appeal: only bob, once; another moderator decides.
	refused("only bob, the flagged member, may appeal", "appeal", "1", "--by", "alice", "--reason", "no")
	refused("unknown member", "appeal", "1", "--by", "zed", "--reason", "no")
	ok("appeal", "1", "--by", "bob", "--reason", "I wrote it")
	refused("a flag can be appealed once", "appeal", "1", "--by", "bob", "--reason", "again")
	refused("another moderator decides the appeal", "moderate", "appeal", "1", "overturn", "--by", "mod")
	refused("want uphold or overturn", "moderate", "appeal", "1", "maybe", "--by", "mod2")
	if out := ok("moderate", "appeal", "1", "overturn", "--by", "mod2", "--note", "original text"); !strings.Contains(out, "flag 1  overturned discord/c1") ||
		!strings.Contains(out, "recorded in the log as plaudit/flag-1-overturn") {
		t.Errorf("overturn: %q", out)
	}

	ctx := context.Background()
	st, err := sqlstore.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	hist, _ := st.FlagHistory(ctx, 1)
	var got []string
	for _, a := range hist {
		got = append(got, a.Action+" "+a.By)
		if a.At.IsZero() {
			t.Errorf("history entry without time: %+v", a)
		}
	}
	if want := "raise alice,confirm mod,appeal bob,overturn mod2"; strings.Join(got, ",") != want {
		t.Errorf("history %v, want %s", got, want)
	}
	ex, _ := st.Exclusions(ctx, "bob")
	if len(ex) != 1 || ex[0].By != "mod" || ex[0].LiftedBy != "mod2" || ex[0].LiftedAt.IsZero() {
		t.Errorf("exclusion %+v", ex)
	}
	st.Close()

	// A confirmed flag on an event zeroes it in the epoch it falls in: epoch close applies the stored
	// verdicts, records them, and verify rebuilds the epoch with them.
	ok("flag", "discord/c2", "--by", "bob", "--reason", "farmed")
	ok("moderate", "confirm", "2", "--by", "mod2")
	ok("policy", "activate", "preset:default")
	ok("score")
	// 6 imported events and 3 decisions the moderators' confirmations and overturn appended to the log.
	if out := ok("integrity", "run"); !strings.Contains(out, "integrity run 1 over 9 events") {
		t.Errorf("integrity run: %q", out)
	}
	if out := ok("integrity", "run", "--since", "2026-11-03T10:30:00Z", "--until", "2026-11-04"); !strings.Contains(out, "integrity run 2 over 1 events") {
		t.Errorf("integrity run of a window: %q", out)
	}
	refused("is not after --since", "integrity", "run", "--since", "2026-11-04", "--until", "2026-11-03")
	ok("epoch", "close", "default", "--at", "2026-11-03")
	const epoch = "default@2026-11-02T00:00:00Z"
	if out := ok("integrity", "epoch", epoch); !strings.Contains(out, "discord/c2 × 0") || !strings.Contains(out, "moderation_flag") {
		t.Errorf("epoch verdicts: %q", out)
	}
	if out := ok("verify", epoch); !strings.HasPrefix(out, "verified "+epoch) {
		t.Errorf("verify: %q", out)
	}
	st, err = sqlstore.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	ep, err := st.Epoch(ctx, epoch)
	st.Close()
	if err != nil || ep.Events != 1 || ep.Excluded != 1 {
		t.Errorf("epoch %+v, %v: want alice's flagged event at or below min score", ep, err)
	}
	if out := ok("explain", "alice"); !strings.Contains(out, "integrity verdicts and flags on member:alice") || !strings.Contains(out, "flag 2  confirmed discord/c2") {
		t.Errorf("explain alice: %q", out)
	}
	if out := ok("explain", "discord/c2"); !strings.Contains(out, "integrity verdicts and flags on discord/c2") || !strings.Contains(out, "event × 0") {
		t.Errorf("explain discord/c2: %q", out)
	}
	if out := ok("integrity", "show", "discord/c2"); !strings.Contains(out, "flag 2") {
		t.Errorf("integrity show: %q", out)
	}

	// Audit: a deterministic draw, reviewed by moderators only.
	first := ok("audit", "draw", epoch, "--size", "1")
	if again := ok("audit", "draw", epoch, "--size", "1"); again != first {
		t.Errorf("second draw %q, first %q", again, first)
	}
	refused("a different sample", "audit", "draw", epoch, "--size", "2")
	refused("not an epoch", "audit", "draw", "default@2026-11-03T00:00:00Z")
	refused("the epoch is not closed", "audit", "draw", "default@2026-11-09T00:00:00Z")
	lines := strings.Split(first, "\n")
	if !strings.HasPrefix(lines[1], "seed "+ep.Root+" (the epoch's root)") && !strings.HasPrefix(lines[1], "seed "+ep.Digest+" (the epoch's digest)") {
		t.Errorf("draw does not publish the seed: %q", first)
	}
	drawn := strings.Fields(lines[3])[1]
	refused("alice is not a moderator", "audit", "fail", epoch, drawn, "--by", "alice")
	if out := ok("audit", "fail", epoch, drawn, "--by", "mod", "--note", "bought likes"); !strings.Contains(out, "flag 3 on "+drawn) || !strings.Contains(out, "by mod: open") {
		t.Errorf("a failed audit opens no flag: %q", out)
	}
	if out := ok("audit", "list", "--status", "failed"); !strings.Contains(out, drawn+"  by mod") {
		t.Errorf("audit list: %q", out)
	}
	if out := ok("audit", "list", epoch); !strings.Contains(out, "seed "+lines[1][len("seed "):]) {
		t.Errorf("audit list does not publish the seed: %q", out)
	}

	// The active policy's integrity section sets what a confirmation costs.
	src, err := policy.PresetSource("default")
	if err != nil {
		t.Fatal(err)
	}
	polFile := filepath.Join(dir, "strict.yml")
	strict := strings.Replace(string(src), "name: default", "name: strict", 1) + "integrity:\n  moderation:\n    penalty: 0.8\n    penalty_epochs: 3\n"
	if err := os.WriteFile(polFile, []byte(strict), 0o644); err != nil {
		t.Fatal(err)
	}
	ok("policy", "activate", polFile)
	ok("flag", "member:bob", "--by", "alice", "--reason", "ring")
	if out := ok("moderate", "confirm", "4", "--by", "mod"); !strings.Contains(out, "penalty × 0.8") {
		t.Errorf("confirm under the strict policy: %q", out)
	}
}

// TestAdoptCommand: an operator adopts a member's feedback into the log, once; a member does not adopt
// their own, and what is not feedback is refused with exit 2.
func TestAdoptCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the plaudit binary; skipped with -short")
	}
	bin := epochTestBin(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "plaudit.db")
	evFile := filepath.Join(dir, "events.jsonl")
	events := moderationEvents + `{"source":"discord","id":"fb1","kind":"feedback","actor":"a1","content":"page the leaderboard","time":"2026-11-03T12:00:00Z","attrs":{"adopted":true}}
`
	if err := os.WriteFile(evFile, []byte(events), 0o644); err != nil {
		t.Fatal(err)
	}
	pl := func(args ...string) (string, string, int) {
		t.Helper()
		return run(t, bin, append([]string{"--db", db}, args...)...)
	}
	if _, errOut, code := pl("import", evFile); code != 0 {
		t.Fatal(errOut)
	}
	for _, c := range []struct{ want, args string }{
		{"alice wrote it and cannot adopt it", "adopt discord/fb1 --by alice"},
		{"only feedback is adopted", "adopt discord/c1 --by ops"},
		{"no such event in the log", "adopt discord/nope --by ops"},
	} {
		if _, errOut, code := pl(strings.Fields(c.args)...); code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("plaudit %s: exit %d %q, want 2 and %q", c.args, code, errOut, c.want)
		}
	}
	if out, errOut, code := pl("adopt", "discord/fb1", "--by", "ops", "--note", "shipped"); code != 0 || !strings.Contains(out, "feedback discord/fb1 by alice adopted by ops: recorded in the log as plaudit/adopt-discord-fb1") {
		t.Fatalf("adopt: exit %d %q %q", code, out, errOut)
	}
	if _, errOut, code := pl("adopt", "discord/fb1", "--by", "ops"); code != 2 || !strings.Contains(errOut, "adopted already by ops") {
		t.Errorf("adopt twice: exit %d %q", code, errOut)
	}
}

// TestFlagsImport raises the log's flag events as flags, once each.
func TestFlagsImport(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the plaudit binary; skipped with -short")
	}
	bin := epochTestBin(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "plaudit.db")
	evFile := filepath.Join(dir, "events.jsonl")
	flagEvents := moderationEvents +
		`{"source":"discord","id":"f1","kind":"flag","actor":"a1","target":"c1","time":"2026-11-03T12:00:00Z","attrs":{"reason":"copied"}}
{"source":"discord","id":"f2","kind":"flag","actor":"a1","target":"member:bob","time":"2026-11-03T12:01:00Z","attrs":{"reason":"ring"}}
{"source":"discord","id":"f3","kind":"flag","actor":"a1","target":"discord/nope","time":"2026-11-03T12:02:00Z"}
{"source":"plaudit","id":"op1","kind":"flag","actor":"mod","target":"discord/c1","time":"2026-11-03T13:00:00Z"}
`
	if err := os.WriteFile(evFile, []byte(flagEvents), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		args []string
		want string
	}{
		{[]string{"import", evFile}, "imported 10 new"},
		{[]string{"flags", "import"}, "raised 2 new flags, 0 already raised, 1 refused"},
		{[]string{"flags", "import"}, "raised 0 new flags, 2 already raised, 1 refused"},
	} {
		out, errOut, code := run(t, bin, append([]string{"--db", db}, step.args...)...)
		if code != 0 || !strings.Contains(out, step.want) {
			t.Fatalf("plaudit %s: exit %d, %q %q; want %q", strings.Join(step.args, " "), code, out, errOut, step.want)
		}
	}
	flags, _, _ := moderationRecords(t, db)
	if len(flags) != 2 || flags[0].Subject != "discord/c1" || flags[0].Event != "discord/f1" || flags[0].By != "alice" || flags[0].Reason != "copied" ||
		flags[1].Subject != "member:bob" || flags[1].Event != "discord/f2" || !flags[1].At.Equal(time.Date(2026, 11, 3, 12, 1, 0, 0, time.UTC)) {
		t.Errorf("flags %+v", flags)
	}
}

// TestInvalidateCommand: an operator previews and invalidates a scored comment: its points go to 0 with the
// reason in the explanation; twice, an unknown event and a missing reason are refused with exit 2.
func TestInvalidateCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the plaudit binary; skipped with -short")
	}
	bin := epochTestBin(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "plaudit.db")
	evFile := filepath.Join(dir, "events.jsonl")
	if err := os.WriteFile(evFile, []byte(moderationEvents), 0o644); err != nil {
		t.Fatal(err)
	}
	pl := func(args ...string) (string, string, int) {
		t.Helper()
		return run(t, bin, append([]string{"--db", db}, args...)...)
	}
	for _, args := range [][]string{{"import", evFile}, {"policy", "activate", "preset:default"}, {"score"}} {
		if _, errOut, code := pl(args...); code != 0 {
			t.Fatalf("plaudit %v: %s", args, errOut)
		}
	}
	out, errOut, code := pl("moderate", "invalidate", "discord/c1", "--preview")
	if code != 0 || !strings.Contains(out, "now: discord/c1 contributes") || !strings.Contains(out, "member bob") || strings.Contains(out, "contributes 0 points") {
		t.Fatalf("preview: exit %d %q %q", code, out, errOut)
	}
	for _, c := range []struct{ want, args string }{
		{"missing reason", "moderate invalidate discord/c1 --by ops"},
		{"no such event in the log", "moderate invalidate discord/nope --by ops --reason x"},
		{"an identity change", "moderate invalidate discord/l1 --by ops --reason x"},
	} {
		if _, errOut, code := pl(strings.Fields(c.args)...); code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("plaudit %s: exit %d %q, want 2 and %q", c.args, code, errOut, c.want)
		}
	}
	out, errOut, code = pl("moderate", "invalidate", "discord/c1", "--by", "ops", "--reason", "copied from a blog")
	if code != 0 || !strings.Contains(out, "discord/c1 invalidated by ops: recorded in the log as plaudit/invalidate-discord/c1") ||
		!strings.Contains(out, "after: discord/c1 contributes 0 points (invalidated by ops") {
		t.Fatalf("invalidate: exit %d %q %q", code, out, errOut)
	}
	if _, errOut, code := pl("moderate", "invalidate", "discord/c1", "--by", "ops", "--reason", "again"); code != 2 || !strings.Contains(errOut, "invalidated already by ops") {
		t.Errorf("twice: exit %d %q", code, errOut)
	}
	if out, errOut, code := pl("explain", "discord/c1"); code != 0 || !strings.Contains(out, "copied from a blog") {
		t.Errorf("explain: exit %d %q %q, want the reason", code, out, errOut)
	}
}
