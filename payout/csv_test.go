package payout

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
)

const readmeCSV = "address,amount\n0x1111111111111111111111111111111111111111,5000000000000000000\n0x2222222222222222222222222222222222222222,2500000000000000000\n"

func TestParseCSV(t *testing.T) {
	for name, in := range map[string]string{
		"header":      readmeCSV,
		"no header":   strings.SplitN(readmeCSV, "\n", 2)[1],
		"crlf+bom":    "\uFEFF" + strings.ReplaceAll(readmeCSV, "\n", "\r\n"),
		"spaces":      "Address , Amount\n\n  0x1111111111111111111111111111111111111111 , 5000000000000000000 \n# a comment\n0x2222222222222222222222222222222222222222,2500000000000000000",
		"quoted":      "\"0x1111111111111111111111111111111111111111\",\"5000000000000000000\"\n0X2222222222222222222222222222222222222222,2500000000000000000\n",
		"upper+lower": "0x1111111111111111111111111111111111111111,5000000000000000000\n0x2222222222222222222222222222222222222222,2500000000000000000\n",
	} {
		rows, err := ParseCSV(strings.NewReader(in), "r.csv")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		root, _, err := Root(Leaves(rows))
		if err != nil {
			t.Fatal(err)
		}
		if root.String() != "0xd4dee0beab2d53f2cc83e567171bd2820e49898130a22622b10ead383e90bd77" {
			t.Fatalf("%s: root %s (the OpenZeppelin README example)", name, root)
		}
	}
	rows, _ := ParseCSV(strings.NewReader(readmeCSV), "r.csv")
	if rows[0].Line != 2 || rows[1].Line != 3 {
		t.Fatalf("line numbers %d %d", rows[0].Line, rows[1].Line)
	}
}

// TestParseCSVErrors: every bad line is reported with its line and field; nothing is returned.
func TestParseCSVErrors(t *testing.T) {
	in := strings.Join([]string{
		"address,amount",
		"0x1111111111111111111111111111111111111111,5",
		"0x11111111111111111111111111111111111111,5",      // 3: short address
		"0x2222222222222222222222222222222222222222,-5",   // 4: negative
		"0x2222222222222222222222222222222222222222,1.5",  // 5: decimal point
		"0x2222222222222222222222222222222222222222",      // 6: one field
		"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD,1",    // 7: bad checksum
		"0x2222222222222222222222222222222222222222,1e18", // 8: exponent
		"0x2222222222222222222222222222222222222222,115792089237316195423570985008687907853269984665640564039457584007913129639936", // 9: 2^256
		"0x2222222222222222222222222222222222222222,1,extra",                                                                        // 10: three fields
		"0x2222222222222222222222222222222222222222,0x10",                                                                           // 11: hex amount
		"zz,", // 12: both fields
	}, "\n")
	rows, err := ParseCSV(strings.NewReader(in), "bad.csv")
	if rows != nil {
		t.Fatal("rows returned with errors")
	}
	var ve *plaudit.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("want a ValidationError, got %v", err)
	}
	type at struct {
		line  int
		field string
	}
	var got []at
	for _, fe := range ve.Errors {
		got = append(got, at{fe.Line, fe.Field})
	}
	want := []at{{3, "address"}, {4, "amount"}, {5, "amount"}, {6, ""}, {7, "address"}, {8, "amount"}, {9, "amount"}, {10, ""}, {11, "amount"}, {12, "address"}, {12, "amount"}}
	if !slices.Equal(got, want) {
		t.Fatalf("errors at %v\nwant %v\n%v", got, want, err)
	}
	if !strings.Contains(err.Error(), "bad.csv") || !strings.Contains(err.Error(), "line 7: field address") {
		t.Fatalf("message: %v", err)
	}

	for name, in := range map[string]string{
		"empty":       "",
		"header only": "address,amount\n",
		"bad header":  "address,value\n0x1111111111111111111111111111111111111111,5\n",
		"bad quote":   "\"0x1111,5\n",
	} {
		if _, err := ParseCSV(strings.NewReader(in), "x.csv"); !errors.As(err, &ve) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestParseCSVManyErrorsBounded(t *testing.T) {
	in := strings.Repeat("nope,1\n", 10000)
	_, err := ParseCSV(strings.NewReader(in), "x.csv")
	var ve *plaudit.ValidationError
	if !errors.As(err, &ve) || len(ve.Errors) != maxCSVErrors {
		t.Fatalf("%v", err)
	}
}

func TestCSVDuplicates(t *testing.T) {
	in := "0x1111111111111111111111111111111111111111,1\n0x2222222222222222222222222222222222222222,2\n0x1111111111111111111111111111111111111111,3\n"
	rows, err := ParseCSV(strings.NewReader(in), "d.csv")
	if err != nil {
		t.Fatal(err)
	}
	if d := Duplicates(rows); len(d) != 1 || !slices.Equal(d[0], []int{1, 3}) {
		t.Fatalf("duplicates %v", d)
	}
}

// TestProofsFile: WriteProofs output is valid JSON that ReadProofs accepts, every proof verifies, and a
// tampered amount is caught.
func TestProofsFile(t *testing.T) {
	rows, _ := ParseCSV(strings.NewReader(readmeCSV+"0x3333333333333333333333333333333333333333,7\n"), "r.csv")
	_, tree, _ := Root(Leaves(rows))
	var buf bytes.Buffer
	if err := WriteProofs(&buf, tree); err != nil {
		t.Fatal(err)
	}
	f, err := ReadProofs(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	if f.Root != tree.Root() || len(f.Claims) != 3 {
		t.Fatalf("root %s, %d claims", f.Root, len(f.Claims))
	}
	for i, c := range f.Claims {
		if c.Address != rows[i].Address || c.AmountInt().Cmp(rows[i].Amount) != 0 {
			t.Fatalf("claim %d out of order", i)
		}
		if !Verify(f.Root, c.Address, c.AmountInt(), c.Proof) {
			t.Fatalf("claim %d does not verify", i)
		}
	}
	bad := strings.Replace(buf.String(), `"amount":"7"`, `"amount":"8"`, 1)
	if _, err := ReadProofs(strings.NewReader(bad)); plaudit.ErrorCode(err) != plaudit.EINVALID {
		t.Fatalf("tampered amount: %v", err)
	}
}

// FuzzParseCSV: the parser never panics; what it accepts is valid and reads back the same when written again.
func FuzzParseCSV(f *testing.F) {
	f.Add(readmeCSV)
	f.Add("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed,0\n")
	f.Add("\uFEFFaddress,amount\r\n\"0x1111111111111111111111111111111111111111\", 1\r\n")
	f.Add("# comment\n\n0x1111111111111111111111111111111111111111,115792089237316195423570985008687907853269984665640564039457584007913129639935\n")
	f.Add("0x1111111111111111111111111111111111111111,1,2\n\"unterminated")
	f.Add("address,amount\naddress,amount\n")
	f.Add("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD,1e3\n")
	f.Fuzz(func(t *testing.T, in string) {
		rows, err := ParseCSV(strings.NewReader(in), "fuzz.csv")
		if err != nil {
			var ve *plaudit.ValidationError
			if !errors.As(err, &ve) || len(ve.Errors) == 0 {
				t.Fatalf("error is not a ValidationError with reasons: %v", err)
			}
			for _, fe := range ve.Errors {
				if fe.Reason == "" {
					t.Fatal("empty reason")
				}
			}
			return
		}
		var b strings.Builder
		for _, r := range rows {
			if r.Amount.Sign() < 0 || r.Amount.Cmp(maxUint256) > 0 || r.Line < 1 {
				t.Fatalf("bad row accepted: %+v", r)
			}
			fmt.Fprintf(&b, "%s,%s\n", r.Address, r.Amount)
		}
		again, err := ParseCSV(strings.NewReader(b.String()), "again.csv")
		if err != nil {
			t.Fatalf("rewritten file rejected: %v\n%s", err, b.String())
		}
		if len(again) != len(rows) {
			t.Fatalf("%d rows, then %d", len(rows), len(again))
		}
		for i := range rows {
			if again[i].Address != rows[i].Address || again[i].Amount.Cmp(rows[i].Amount) != 0 {
				t.Fatalf("row %d changed", i)
			}
		}
	})
}

// FuzzLoadDump: loading any bytes never panics, and an accepted dump is a valid tree whose proofs verify.
func FuzzLoadDump(f *testing.F) {
	for _, file := range []string{"address-uint256.readme.json", "address-uint256.three.json", "address-uint256.single.json"} {
		var d ozDump
		f.Add(readJSON(f, "testdata/oz/"+file, &d))
	}
	f.Add([]byte(`{"format":"standard-v1","leafEncoding":["address","uint256"],"tree":[],"values":[]}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		tree, err := LoadDump(in)
		if err != nil {
			return
		}
		for i := 0; i < tree.Len(); i++ {
			p, err := tree.Proof(i)
			if err != nil {
				t.Fatal(err)
			}
			l := tree.Leaf(i)
			if !Verify(tree.Root(), l.Address, l.Amount, p) {
				t.Fatalf("loaded value %d does not verify", i)
			}
		}
	})
}

func TestFindProof(t *testing.T) {
	rows, _ := ParseCSV(strings.NewReader(readmeCSV), "r.csv")
	_, tree, _ := Root(Leaves(rows))
	var buf bytes.Buffer
	if err := WriteProofs(&buf, tree); err != nil {
		t.Fatal(err)
	}
	p, err := FindProof(bytes.NewReader(buf.Bytes()), rows[1].Address, rows[1].Amount)
	if err != nil || !Verify(tree.Root(), rows[1].Address, rows[1].Amount, p) {
		t.Fatalf("FindProof: %v", err)
	}
	if _, err := FindProof(bytes.NewReader(buf.Bytes()), rows[1].Address, rows[0].Amount); plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
		t.Fatalf("wrong amount: %v", err)
	}
	if _, err := FindProof(strings.NewReader(`{"format":"x"}`), rows[1].Address, rows[0].Amount); plaudit.ErrorCode(err) != plaudit.EINVALID {
		t.Fatalf("bad format: %v", err)
	}
}
