package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
)

// run executes `plaudit args…` with the flags of the command reached reset first.
func runPlaudit(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	cmd, _, err := rootCmd.Find(args)
	if err != nil {
		t.Fatal(err)
	}
	resetFlags(cmd)
	var out bytes.Buffer
	rootCmd.SetOut(&out)
	rootCmd.SetErr(&out)
	rootCmd.SetIn(strings.NewReader(stdin))
	rootCmd.SetArgs(args)
	defer rootCmd.SetArgs(nil)
	err = rootCmd.Execute()
	return out.String(), err
}

const webhooks = `{"created_at":1767614400,"type":"cast.created","data":{"hash":"0xa1","author":{"fid":42,"username":"alice","follower_count":1200,"power_badge":true},"text":"I think this is a really interesting perspective on decentralized social networks. How do you see this evolving?","timestamp":"2026-01-05T12:00:00Z","embeds":[],"reactions":{"likes_count":15,"recasts_count":5},"replies":{"count":3},"mentioned_profiles":[],"channel":{"id":"farcaster"}}}

{"created_at":1767618000,"type":"cast.created","data":{"hash":"0xa2","parent_hash":"0xt","author":{"fid":42,"username":"alice","follower_count":1200},"text":"thanks","timestamp":"2026-01-05T13:00:00Z","mentioned_profiles":[{"fid":99,"username":"shreyaspapi"}]}}
`

func TestScoreCastCommand(t *testing.T) {
	out, err := runPlaudit(t, webhooks, "score", "cast", "--target", "shreyaspapi:99")
	if err != nil {
		t.Fatal(err)
	}
	// 0xa1: CQ 25+15+20+15 = 75, CI 30+25+9+20+10 = 94 (the seed's example), Cons 50, AC 20+10 = 30
	// → 30 + 28.2 + 10 + 3 = 71.2. 0xa2, an hour later: CQ 5, CI 20, Cons 50−20 = 30, AC 50+30−30 = 50 → 19.
	want := `{"hash":"0xa1","fid":42,"total":71.2,"communication_quality":75,"community_impact":94,"consistency":50,"active_campaign":30}
{"hash":"0xa2","fid":42,"total":19,"communication_quality":5,"community_impact":20,"consistency":30,"active_campaign":50}
`
	if out != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
	// Without a target the mention earns nothing: AC 50 − 30 = 20 → 16.
	out, err = runPlaudit(t, webhooks, "score", "cast")
	if err != nil || !strings.Contains(out, `"hash":"0xa2","fid":42,"total":16,`) {
		t.Errorf("no target: %v\n%s", err, out)
	}
}

func TestScoreCastBadInput(t *testing.T) {
	in := strings.SplitN(webhooks, "\n", 2)[0] + "\n" + `{"type":"cast.created","data":{"hash":"0x1","author":{"fid":"x"}}}` + "\n"
	out, err := runPlaudit(t, in, "score", "cast")
	var ve *plaudit.ValidationError
	if !errors.As(err, &ve) || len(ve.Errors) != 1 || ve.Errors[0].Line != 2 || ve.Errors[0].Field != "data.author.fid" {
		t.Fatalf("err %v", err)
	}
	if out != "" {
		t.Errorf("wrote output for bad input: %q", out)
	}
	if exitCode(err) != 2 {
		t.Errorf("exit code %d", exitCode(err))
	}
	if _, err := runPlaudit(t, webhooks, "score", "cast", "--target", "nofid"); plaudit.ErrorCode(err) != plaudit.EINVALID {
		t.Errorf("bad target: %v", err)
	}
}

func TestPolicyCommands(t *testing.T) {
	out, err := runPlaudit(t, "", "policy", "validate", "preset:default", "preset:tiered")
	if err != nil || strings.Count(out, ": ok, ") != 2 {
		t.Fatalf("validate: %v\n%s", err, out)
	}
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yml")
	os.WriteFile(bad, []byte("name: t\nscorers:\n  - scorer: tiered\n    params:\n      windw: 1h\n"), 0o644)
	_, err = runPlaudit(t, "", "policy", "validate", bad)
	if err == nil || !strings.Contains(err.Error(), "line 5: field scorers[0].params.windw: unknown field") || exitCode(err) != 2 {
		t.Errorf("bad policy: %v", err)
	}
	shown, err := runPlaudit(t, "", "policy", "show", "preset:tiered")
	if err != nil {
		t.Fatal(err)
	}
	a := filepath.Join(dir, "a.yml")
	os.WriteFile(a, []byte(shown), 0o644)
	os.WriteFile(filepath.Join(dir, "b.yml"), []byte(strings.Replace(shown, "window: 24h", "window: 12h", 1)), 0o644)
	out, err = runPlaudit(t, "", "policy", "diff", a, filepath.Join(dir, "b.yml"))
	if err != nil || !strings.HasSuffix(out, "~ scorers[0].params.window: 24h → 12h\n") {
		t.Errorf("diff: %v\n%s", err, out)
	}
	out, _ = runPlaudit(t, "", "policy", "diff", a, "preset:tiered")
	if !strings.HasSuffix(out, "no differences\n") {
		t.Errorf("the shown policy differs from its preset:\n%s", out)
	}
}

// TestScoreWorkflow activates a policy in a store, scores the log, explains an event and a member, and
// replays the log under a changed policy.
func TestScoreWorkflow(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "plaudit.db")
	events := `{"source":"x","id":"l1","kind":"link","actor":"a1","time":"2026-01-05T00:00:00Z","attrs":{"member":"alice"}}
{"source":"x","id":"l2","kind":"link","actor":"b1","time":"2026-01-05T00:00:00Z","attrs":{"member":"bob"}}
{"source":"x","id":"s1","kind":"submit","actor":"a1","target":"p1","target_author":"a1","time":"2026-01-05T01:00:00Z"}
{"source":"x","id":"e1","kind":"like","actor":"b1","target":"p1","target_author":"a1","time":"2026-01-05T02:00:00Z"}
{"source":"x","id":"e2","kind":"reply","actor":"b1","target":"p1","target_author":"a1","time":"2026-01-05T03:00:00Z","content":"nice"}
`
	path := filepath.Join(dir, "events.jsonl")
	if err := os.WriteFile(path, []byte(events), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := runPlaudit(t, "", "--db", db, "import", path); err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	if _, err := runPlaudit(t, "", "--db", db, "score"); plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
		t.Fatalf("score with no active policy: %v", err)
	}
	if out, err := runPlaudit(t, "", "--db", db, "policy", "activate", "preset:tiered"); err != nil {
		t.Fatalf("activate: %v\n%s", err, out)
	}
	out, err := runPlaudit(t, "", "--db", db, "score")
	if err != nil || !strings.Contains(out, "2 scores, 1 members") || !strings.Contains(out, "bob") {
		t.Fatalf("score: %v\n%s", err, out)
	}
	out, err = runPlaudit(t, "", "--db", db, "explain", "x/e2")
	if err != nil || !strings.Contains(out, "stored scores") || !strings.Contains(out, "tiered.reply") || !strings.Contains(out, "tier=1") {
		t.Errorf("explain event: %v\n%s", err, out)
	}
	out, err = runPlaudit(t, "", "--db", db, "explain", "bob")
	if err != nil || !strings.Contains(out, "member bob: 4 points from 2 scores") {
		t.Errorf("explain member: %v\n%s", err, out)
	}
	if _, err := runPlaudit(t, "", "--db", db, "explain", "nobody"); plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
		t.Errorf("explain unknown: %v", err)
	}
	out, err = runPlaudit(t, "", "--db", db, "score", "leaderboard", "--week", "2026-W02", "--json")
	if err != nil || !strings.HasPrefix(out, `{"member":"bob","points":4,"scores":2,`) {
		t.Errorf("leaderboard week 2: %v\n%s", err, out)
	}
	out, err = runPlaudit(t, "", "--db", db, "score", "leaderboard", "--week", "2026-W03")
	if err != nil || !strings.Contains(out, "0 members") {
		t.Errorf("leaderboard week 3: %v\n%s", err, out)
	}
	if _, err := runPlaudit(t, "", "--db", db, "score", "leaderboard", "--week", "W3"); plaudit.ErrorCode(err) != plaudit.EINVALID {
		t.Errorf("bad week: %v", err)
	}
	next := filepath.Join(dir, "next.yml")
	os.WriteFile(next, []byte("name: tiered\nversion: 2\nscorers:\n  - scorer: tiered\n    params:\n      tiers: [{tier: 1, like: 5, repost: 2, reply: 3}]\n"), 0o644)
	out, err = runPlaudit(t, "", "--db", db, "score", "replay", "--policy", next, "--json")
	if err != nil || strings.TrimSpace(out) != `{"member":"bob","active":4,"new":8,"change":4}` {
		t.Errorf("replay: %v\n%s", err, out)
	}
}

// TestPolicyHistoryCommand: `plaudit policy history` lists the activations newest first, the active one
// marked, each with its change count against the one it replaced, and --diff prints the changes.
func TestPolicyHistoryCommand(t *testing.T) {
	db := filepath.Join(t.TempDir(), "h.db")
	out, err := runPlaudit(t, "", "--db", db, "policy", "history")
	if err != nil || !strings.Contains(out, "no policy was ever activated") {
		t.Fatalf("history of a new store: %v\n%s", err, out)
	}
	for _, p := range []string{"preset:tiered", "preset:default"} {
		if out, err := runPlaudit(t, "", "--db", db, "policy", "activate", p, "--by", "ops"); err != nil {
			t.Fatalf("activate %s: %v\n%s", p, err, out)
		}
	}
	out, err = runPlaudit(t, "", "--db", db, "policy", "history", "--diff")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if err != nil || !strings.Contains(lines[0], "default v1") || !strings.Contains(lines[0], "(active)") || !strings.Contains(lines[0], "by ops") ||
		!strings.Contains(out, "~ program.name: tiered → default") || !strings.Contains(lines[len(lines)-1], "tiered v1") ||
		!strings.HasSuffix(lines[len(lines)-1], "first activation") {
		t.Fatalf("history: %v\n%s", err, out)
	}
}
