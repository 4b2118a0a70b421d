package service_test

import (
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/service"
	"github.com/plaudit/plaudit/settle"
)

// TestParseVerdictsRefusesDuplicates: a key given twice in one verdict (encoding/json kept the last) and a
// subject given twice (the second silently replaced the first) are refused, every problem is reported, and
// each error names the file and the verdict.
func TestParseVerdictsRefusesDuplicates(t *testing.T) {
	for _, tc := range []struct {
		doc  string
		want []string
	}{
		{`[{"subject":"x/1","multiplier":0.5,"multiplier":1}]`, []string{"verdicts v.json: 1 problem(s): [0]: key multiplier given twice"}},
		{`[{"subject":"x/1","multiplier":1,"reasons":[{"check":"a","check":"b","detail":"","multiplier":1}]}]`, []string{"[0]: key reasons[0].check given twice"}},
		{`[{"subject":"x/1","multiplier":0.5},{"subject":"x/2","multiplier":1},{"subject":"x/1","multiplier":1}]`, []string{"[2] (x/1): subject already given in [0]"}},
		{`[{"subject":"","multiplier":1},{"subject":"x/1","multiplier":2}]`, []string{"2 problem(s)", "[0]: missing subject", "[1] (x/1): multiplier 2 outside 0–1"}},
		{`[{"subject":"x/1","multiplier":1,"extra":1}]`, []string{"[0]: json: unknown field"}},
	} {
		_, err := service.ParseVerdicts([]byte(tc.doc), "v.json")
		if plaudit.ErrorCode(err) != plaudit.EINVALID {
			t.Fatalf("%s: %v, want EINVALID", tc.doc, err)
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) || !strings.Contains(err.Error(), "verdicts v.json: ") {
				t.Errorf("%s: %v, want it to say %q", tc.doc, err, w)
			}
		}
	}
	vs, err := service.ParseVerdicts([]byte(`[{"subject":"x/1","multiplier":0.5},{"subject":"member:alice","multiplier":0}]`), "v.json")
	if err != nil || len(vs) != 2 || vs[0].Multiplier != plaudit.One/2 {
		t.Fatalf("good file: %+v %v", vs, err)
	}
}

// TestLoadVerdicts: no path is no verdicts (nil: the recorded ones); a file with none is an empty, non-nil
// list (none, replacing the recorded ones); a missing file is ENOTFOUND; a file is parsed under its name.
func TestLoadVerdicts(t *testing.T) {
	if vs, err := service.LoadVerdicts(""); vs != nil || err != nil {
		t.Fatalf("no path: %v, %v", vs, err)
	}
	dir := t.TempDir()
	for i, body := range []string{"[]", "null", " [ ]\n"} {
		p := filepath.Join(dir, fmt.Sprintf("empty%d.json", i))
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if vs, err := service.LoadVerdicts(p); vs == nil || len(vs) != 0 || err != nil {
			t.Fatalf("a file holding %q: %#v, %v; want an empty, non-nil list", body, vs, err)
		}
	}
	if _, err := service.LoadVerdicts(filepath.Join(dir, "missing.json")); plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
		t.Fatalf("missing file: %v, want ENOTFOUND", err)
	}
	p := filepath.Join(dir, "v.json")
	if err := os.WriteFile(p, []byte(`[{"subject":"x/1","multiplier":2}]`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := service.LoadVerdicts(p); plaudit.ErrorCode(err) != plaudit.EINVALID || !strings.Contains(err.Error(), "verdicts "+p) {
		t.Fatalf("bad file: %v, want EINVALID naming it", err)
	}
}

// FuzzParseVerdicts: a verdicts file is outside input. Whatever ParseVerdicts accepts, settlement accepts
// and settles with every base unit accounted for; whatever it refuses is an EINVALID error.
func FuzzParseVerdicts(f *testing.F) {
	f.Add([]byte(`[{"subject":"discord/1","multiplier":0.5,"reasons":[{"check":"velocity","detail":"fast","multiplier":0.5}]}]`))
	f.Add([]byte(`[{"subject":"member:alice","multiplier":"0"}]`))
	f.Add([]byte(`[{"subject":"discord/1","multiplier":1.5}]`))
	f.Add([]byte(`[{"subject":"","multiplier":1}]`))
	f.Add([]byte(`[] []`))
	f.Add([]byte(`[{"subject":"x/1","multiplier":0.1234567}]`))
	f.Add([]byte(`[{"subject":"x/1","multiplier":1,"extra":true}]`))
	p := &settle.Program{Name: "fuzz", Period: settle.Period{Kind: settle.Weekly}, Pool: big.NewInt(1000), Token: "T", Unspent: settle.UnspentCarry}
	monday := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	w, _ := p.EpochAt(monday)
	scores := []plaudit.Score{
		{Event: "discord/1", Member: "alice", Points: plaudit.PointsFromInt(3), Time: monday},
		{Event: "x/1", Member: "bob", Points: plaudit.PointsFromInt(2), Time: monday},
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		vs, err := service.ParseVerdicts(data, "fuzz.json")
		if err != nil {
			if plaudit.ErrorCode(err) != plaudit.EINVALID {
				t.Fatalf("refused with %v", err)
			}
			return
		}
		r, err := settle.Close(p, w, scores, vs, settle.Input{Members: map[string]settle.MemberInfo{"alice": {Wallet: "0x1"}, "bob": {Wallet: "0x2"}}})
		if err != nil {
			t.Fatalf("accepted verdicts %v, settlement refused them: %v", vs, err)
		}
		out := new(big.Int).Add(r.Epoch.Paid, r.Epoch.Fees)
		out.Add(out, r.Epoch.CarriedOut).Add(out, r.Epoch.Unspent)
		if out.Int64() != 1000 {
			t.Fatalf("pool 1000, accounted %s", out)
		}
	})
}
