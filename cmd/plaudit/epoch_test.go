package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/payout"
	"github.com/plaudit/plaudit/service"
	"github.com/plaudit/plaudit/sqlstore"
)

// run runs the plaudit binary and returns its output and exit status.
func run(t *testing.T, bin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return runEnv(t, nil, bin, args...)
}

// TestEpochAndLedgerCommands drives the epoch and ledger commands end to end on a SQLite store.
func TestEpochAndLedgerCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the plaudit binary; skipped with -short")
	}
	bin := epochTestBin(t)
	db := filepath.Join(t.TempDir(), "plaudit.db")
	prepareCrashStore(t, db, 30, 2)
	// A project account with points: its ENG pools in the project wallet.
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.AppendEvents(ctx, []plaudit.Event{
		{Source: plaudit.SourceFarcaster, ExternalID: "link-proj", Kind: plaudit.KindLink, Actor: "9", Time: crashMonday.Add(-time.Hour), Attrs: map[string]any{"member": "proj", "member_kind": "project"}},
		{Source: plaudit.SourceFarcaster, ExternalID: "0xproj1", Kind: plaudit.KindPost, Actor: "9", Time: crashMonday.Add(time.Hour), Content: "Release notes for the new epoch rules are out: read them before Friday."},
	}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	// The new events make the scores stale: the close rescores the log first and says so.
	id := plaudit.EpochID("crash", crashMonday)

	out, errOut, code := run(t, bin, "--db", db, "epoch", "close", "crash", "--at", "2024-01-03")
	closeOut := out
	if code != 0 || !strings.Contains(out, "epoch "+id+" closed") || !strings.Contains(out, "rescored the log") || !regexp.MustCompile(`(?m)^root +0x[0-9a-f]{64}$`).MatchString(out) {
		t.Fatalf("close: %d\n%s%s", code, out, errOut)
	}
	out, _, code = run(t, bin, "--db", db, "epoch", "close", "crash", "--at", "2024-01-03")
	if code != 0 || out != "epoch "+id+" already closed\n" {
		t.Fatalf("close again: %d %q", code, out)
	}
	if _, errOut, code = run(t, bin, "--db", db, "epoch", "close", "crash", "--at", "2199-01-01"); code != 2 || !strings.Contains(errOut, "is still open") {
		t.Fatalf("close a future epoch: %d %s", code, errOut)
	}
	for _, at := range []string{"3000-01-01", "1999-01-01", "1999-12-31T23:00:00Z"} {
		if _, errOut, code = run(t, bin, "--db", db, "epoch", "close", "crash", "--at", at); code != 2 || !strings.Contains(errOut, "--at "+at[:4]) || !strings.Contains(errOut, "out of range 2000–2200") {
			t.Fatalf("close at %s: %d %s", at, code, errOut)
		}
	}
	if _, errOut, code = run(t, bin, "--db", db, "epoch", "close", "nosuch"); code != 2 || !strings.Contains(errOut, `program "nosuch"`) {
		t.Fatalf("close an unknown program: %d %s", code, errOut)
	}
	if out, _, _ = run(t, bin, "--db", db, "epoch", "list"); !strings.Contains(out, id) || !strings.Contains(out, "POOL TOKEN") || !strings.Contains(out, "TOKEN") {
		t.Fatalf("list:\n%s", out)
	}
	if out, _, _ = run(t, bin, "--db", db, "epoch", "show", id); !strings.Contains(out, "MEMBER") || !strings.Contains(out, "PAID TOKEN") || !strings.Contains(out, "units: POINTS in points; TOKEN columns in ") || !strings.Contains(out, "no wallet: carried") {
		t.Fatalf("show:\n%s", out)
	}
	if out, _, _ = run(t, bin, "--db", db, "epoch", "show", id, "--member", "m0001"); !strings.Contains(out, "events of m0001") || strings.Count(out, "counted:") != 3 {
		t.Fatalf("show --member:\n%s", out)
	}

	// Exports: the CSV and the JSON agree, and every base unit of the pool is accounted for.
	csvPath := filepath.Join(t.TempDir(), "e.csv")
	if _, errOut, code = run(t, bin, "--db", db, "epoch", "export", id, "--format", "csv", "--out", csvPath); code != 0 {
		t.Fatalf("export csv: %s", errOut)
	}
	f, _ := os.Open(csvPath)
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil || len(rows) < 2 || rows[0][10] != "paid_base_units" || rows[0][6] != "points" || rows[0][12] != "eng_base_units" {
		t.Fatalf("csv: %v %v", err, rows)
	}
	csvPaid := new(big.Int)
	for _, r := range rows[1:] {
		v, _ := new(big.Int).SetString(r[10], 10)
		csvPaid.Add(csvPaid, v)
	}
	out, _, _ = run(t, bin, "--db", db, "epoch", "export", id, "--format", "json")
	var x service.EpochExportDoc
	if err := json.Unmarshal([]byte(out), &x); err != nil {
		t.Fatal(err)
	}
	sum := new(big.Int)
	for _, s := range []string{x.Paid, x.Fees, x.CarriedOut, x.Unspent} {
		v, _ := new(big.Int).SetString(s, 10)
		sum.Add(sum, v)
	}
	if !strings.HasPrefix(x.Units.Token, "base units of ") || !strings.HasPrefix(x.Units.ENG, "ENG base units") {
		t.Fatalf("export units %+v", x.Units)
	}
	if sum.String() != "1000000007" || x.Paid != csvPaid.String() || len(x.Allocations) != len(rows)-1 {
		t.Fatalf("paid %s + fees %s + carried %s + unspent %s = %s; csv paid %s", x.Paid, x.Fees, x.CarriedOut, x.Unspent, sum, csvPaid)
	}
	if _, errOut, code = run(t, bin, "--db", db, "epoch", "export", id, "--format", "xml"); code != 2 || !strings.Contains(errOut, "csv or json") {
		t.Fatalf("bad format: %d %s", code, errOut)
	}

	// Proofs and claims come straight from the closed epoch: the dump loads in OpenZeppelin's format and
	// gives the root the close printed, the proofs file has one entry per paid allocation, and the claims
	// are signed with the epoch's program and id (no CSV to convert).
	root := regexp.MustCompile(`(?m)^root +(0x[0-9a-f]{64})$`).FindStringSubmatch(closeOut)
	pdir := t.TempDir()
	out, errOut, code = run(t, bin, "--db", db, "epoch", "proofs", id, "--dir", pdir)
	base := filepath.Join(pdir, strings.ReplaceAll(id, ":", "-"))
	if code != 0 || root == nil || !strings.HasSuffix(out, root[1]+"\n") {
		t.Fatalf("epoch proofs: %d root %v\n%s%s", code, root, out, errOut)
	}
	dumpBytes, err := os.ReadFile(base + ".tree.json")
	if err != nil {
		t.Fatal(err)
	}
	tree, err := payout.LoadDump(dumpBytes)
	if err != nil || tree.Root().String() != root[1] {
		t.Fatalf("dump: %v", err)
	}
	pf, err := os.Open(base + ".proofs.json")
	if err != nil {
		t.Fatal(err)
	}
	proofs, err := payout.ReadProofs(pf)
	pf.Close()
	paidRows := 0
	for _, r := range rows[1:] {
		if r[10] != "0" {
			paidRows++
		}
	}
	if err != nil || len(proofs.Claims) != paidRows || paidRows == 0 || proofs.Root.String() != root[1] {
		t.Fatalf("proofs: %v, %d entries for %d paid rows", err, len(proofs.Claims), paidRows)
	}
	out, errOut, code = runEnv(t, []string{payout.EnvSignerKey + "=" + payoutTestKey, payout.EnvSignerSealed + "="}, bin, "--db", db, "epoch", "claims", id, "--dir", pdir, "--chain-id", "100")
	if code != 0 || !strings.Contains(out, "claims   ") {
		t.Fatalf("epoch claims: %d\n%s%s", code, out, errOut)
	}
	var claims service.ClaimSet
	if b, err := os.ReadFile(base + ".claims.json"); err != nil || json.Unmarshal(b, &claims) != nil || claims.Epoch != id || len(claims.Claims) == 0 {
		t.Fatalf("claims file: %v %+v", err, claims)
	}
	if _, errOut, code = run(t, bin, "--db", db, "epoch", "proofs", "crash@2031-01-06T00:00:00Z"); code == 0 || !strings.Contains(errOut, "crash@2031-01-06T00:00:00Z") {
		t.Fatalf("proofs of an unknown epoch: %d %s", code, errOut)
	}

	// Ledger: balances, postings, a reversal once.
	// Every amount column names its unit: base units in the ledger, the token (decimals applied) and
	// points in epoch tables — never one column holding both.
	if out, _, _ = run(t, bin, "--db", db, "ledger", "balances", "member:m0001"); !regexp.MustCompile(`^ACCOUNT +ASSET +AMOUNT \(BASE UNITS\)\nmember:m0001 `).MatchString(out) {
		t.Fatalf("balances:\n%s", out)
	}
	out, _, _ = run(t, bin, "--db", db, "ledger", "postings", "--origin", "epoch:"+id)
	if strings.Count(out, "\n#") != 2 || !strings.HasPrefix(out, "#1 ") || !regexp.MustCompile(`(?m)^    pool:crash +\S+ +-?\d+ base units$`).MatchString(out) {
		t.Fatalf("postings:\n%s", out)
	}
	if _, errOut, code = run(t, bin, "--db", db, "ledger", "reverse", "2"); code != 2 || !strings.Contains(errOut, "--reason") {
		t.Fatalf("reverse without reason: %d %s", code, errOut)
	}
	if out, errOut, code = run(t, bin, "--db", db, "ledger", "reverse", "2", "--reason", "test correction"); code != 0 || !strings.Contains(out, "(reverses #2)") {
		t.Fatalf("reverse: %d %s%s", code, out, errOut)
	}
	if _, errOut, code = run(t, bin, "--db", db, "ledger", "reverse", "2", "--reason", "again"); code != 2 || !strings.Contains(errOut, "already reversed") {
		t.Fatalf("reverse twice: %d %s", code, errOut)
	}

	// ENG: transfer refused, toggle with a cooldown, delegation of project ENG and its revocation.
	if _, errOut, code = run(t, bin, "--db", db, "ledger", "eng", "transfer", "m0001", "m0002", "1"); code != 2 || !strings.Contains(errOut, "community ENG is non-transferable: m0001's ENG") {
		t.Fatalf("transfer: %d %s", code, errOut)
	}
	// The governance model is the policy's (program.governance, default aswg), never a per-call flag: the
	// removed --model and --cooldown and their variables are refused with a pointer to the policy.
	for _, bad := range [][]string{{"--model", "aswg"}, {"--cooldown", "0"}} {
		if _, errOut, code = run(t, bin, append([]string{"--db", db, "ledger", "eng", "toggle", "m0001"}, bad...)...); code != 2 || !strings.Contains(errOut, bad[0]+" was removed") || !strings.Contains(errOut, "program.governance") {
			t.Fatalf("toggle %v: %d %s", bad, code, errOut)
		}
	}
	if _, errOut, code = runEnv(t, []string{"PLAUDIT_GOVERNANCE_MODEL=aswg"}, bin, "--db", db, "ledger", "eng", "toggle", "m0001"); code != 2 || !strings.Contains(errOut, "$PLAUDIT_GOVERNANCE_MODEL was removed") {
		t.Fatalf("toggle with $PLAUDIT_GOVERNANCE_MODEL: %d %s", code, errOut)
	}
	if out, _, code = run(t, bin, "--db", db, "ledger", "eng", "toggle", "m0001"); code != 0 || !strings.Contains(out, "now counts for rewards") {
		t.Fatalf("toggle: %d %s", code, out)
	}
	out, errOut, code = run(t, bin, "--db", db, "ledger", "eng", "weights", "--format", "csv")
	if code != 0 || !strings.HasPrefix(out, "member,wallet,mode,governance_weight_eng_base_units,") || !regexp.MustCompile(`(?m)^m0001,[^,]*,rewards,0,[1-9]`).MatchString(out) {
		t.Fatalf("weights: %d\n%s%s", code, out, errOut)
	}
	if _, errOut, code = run(t, bin, "--db", db, "ledger", "eng", "weights", "--format", "xml"); code != 2 || !strings.Contains(errOut, "csv or json") {
		t.Fatalf("weights --format xml: %d %s", code, errOut)
	}
	if out, _, code = run(t, bin, "--db", db, "ledger", "eng", "toggle", "m0001"); code != 0 || !strings.Contains(out, "now counts for governance") {
		t.Fatalf("toggle back under ASWG: %d %s", code, out)
	}
	if out, errOut, code = run(t, bin, "--db", db, "ledger", "eng", "delegate", "m0002", "4.5", "--reason", "AMA host"); code != 0 || !strings.Contains(out, "delegation 1: 4.5 ENG to m0002") {
		t.Fatalf("delegate: %d %s%s", code, out, errOut)
	}
	if _, errOut, code = run(t, bin, "--db", db, "ledger", "eng", "delegate", "m0002", "1000"); code != 2 || !strings.Contains(errOut, "eng:project would hold") {
		t.Fatalf("over-delegate: %d %s", code, errOut)
	}
	if out, _, code = run(t, bin, "--db", db, "ledger", "eng", "revoke", "1", "--reason", "done"); code != 0 || !strings.Contains(out, "revoked") {
		t.Fatalf("revoke: %d %s", code, out)
	}
	if _, errOut, code = run(t, bin, "--db", db, "ledger", "eng", "revoke", "1"); code != 2 || !strings.Contains(errOut, "already revoked") {
		t.Fatalf("revoke twice: %d %s", code, errOut)
	}
	if out, _, _ = run(t, bin, "--db", db, "ledger", "eng", "status", "m0001"); !strings.Contains(out, "mode       governance") || strings.Count(out, "toggled") != 2 {
		t.Fatalf("status:\n%s", out)
	}
	if out, _, _ = run(t, bin, "--db", db, "ledger", "balances", "eng:project"); !strings.Contains(out, "\neng:project ") {
		t.Fatalf("project wallet:\n%s", out)
	}
}

// TestDemoSettlesAndVerifies runs the demo on a small community, then edits one stored payout and checks
// that verify names that member.
func TestDemoSettlesAndVerifies(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the plaudit binary; skipped with -short")
	}
	bin := epochTestBin(t)
	dir := t.TempDir()
	out, errOut, code := run(t, bin, "demo", "--members", "80", "--days", "7", "--dir", dir)
	if code != 0 {
		t.Fatalf("demo: %d\n%s%s", code, out, errOut)
	}
	m := regexp.MustCompile(`(?m)^verified (demo@\S+) (0x[0-9a-f]{64})$`).FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, "exact, to the base unit") || !strings.Contains(out, "Merkle root "+m[2]) {
		t.Fatalf("demo output:\n%s", out)
	}
	checkDemoBoard(t, out)
	db := filepath.Join(dir, "demo.db")
	if out, _, code = run(t, bin, "--db", db, "verify", m[1]); code != 0 || strings.TrimSpace(out) != m[0] {
		t.Fatalf("verify: %d %s", code, out)
	}
	// The demo refuses a store that holds events already, and leaves it as it was.
	before, _, _ := run(t, bin, "--db", db, "epoch", "list")
	if out, errOut, code := run(t, bin, "--db", db, "demo", "--members", "20", "--days", "2"); code != 2 || !strings.Contains(errOut, "already holds") || strings.Contains(out, "Imported") {
		t.Fatalf("demo on a store with events: %d\n%s%s", code, out, errOut)
	}
	if after, _, _ := run(t, bin, "--db", db, "epoch", "list"); after != before {
		t.Fatalf("the refused demo changed the store's epochs:\n%s\n%s", before, after)
	}
	st, err := sqlstore.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	var member string
	if err := st.SQL().QueryRow("SELECT member FROM allocations WHERE epoch = ? AND paid <> '0' ORDER BY member LIMIT 1", m[1]).Scan(&member); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SQL().Exec("UPDATE allocations SET paid = '1', fee = '0' WHERE epoch = ? AND member = ?", m[1], member); err != nil {
		t.Fatal(err)
	}
	st.Close()
	out, _, code = run(t, bin, "--db", db, "verify", m[1])
	if code != 2 || !strings.HasPrefix(out, "member "+member+": stored fee 0, rebuilt") {
		t.Fatalf("verify of an edited epoch: %d %s", code, out)
	}
}

// checkDemoBoard checks the demo's leaderboard after integrity: it is ranked by points after verdicts, and a
// member whose verdict is ×0 has 0 points there (the board used to rank such a member 15th).
func checkDemoBoard(t *testing.T, out string) {
	t.Helper()
	_, board, ok := strings.Cut(out, "Leaderboard after integrity verdicts")
	if !ok {
		t.Fatalf("no leaderboard after integrity in the demo:\n%s", out)
	}
	row := regexp.MustCompile(`^(\d+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(.*?)\s{2,}\d+\s`)
	prev, rows := math.Inf(1), 0
	for _, line := range strings.Split(board, "\n")[2:] {
		m := row.FindStringSubmatch(line)
		if m == nil {
			break
		}
		rows++
		pts, err := strconv.ParseFloat(m[3], 64)
		if err != nil || pts > prev {
			t.Fatalf("board not ranked by points after verdicts at %q", line)
		}
		prev = pts
		if strings.HasPrefix(m[5], "member ×0 ") && pts != 0 {
			t.Fatalf("a member judged ×0 keeps %s points on the board: %q", m[3], line)
		}
	}
	if rows == 0 {
		t.Fatalf("no rows on the demo's board:\n%s", board)
	}
}
