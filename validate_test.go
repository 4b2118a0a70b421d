package plaudit_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/eventio"
)

// The test vectors of EIP-55 itself (eips.ethereum.org/EIPS/eip-55): all caps, all lower, and mixed case.
var eip55Vectors = []string{
	"0x52908400098527886E0F7030069857D2E4169EE7",
	"0x8617E340B3D01FA5F11F306F4090FD50E238070D",
	"0xde709f2102306220921060314715629080e2fb77",
	"0x27b1fdb04752bbc536007a920d24acb045561c26",
	"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
	"0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
	"0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
	"0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
}

func TestCheckAddressEIP55(t *testing.T) {
	for _, v := range eip55Vectors {
		if err := plaudit.CheckAddress(v); err != nil {
			t.Errorf("CheckAddress(%s) = %v, want valid", v, err)
		}
		got, err := plaudit.ChecksumAddress(strings.ToLower(v))
		if err != nil {
			t.Fatal(err)
		}
		mixed := v[2:] != strings.ToLower(v[2:]) && v[2:] != strings.ToUpper(v[2:])
		if mixed && got != v {
			t.Errorf("ChecksumAddress(%s) = %s, want %s", strings.ToLower(v), got, v)
		}
		if !mixed {
			continue
		}
		// Flip the case of each letter in turn: every one breaks the checksum.
		for i := 2; i < len(v); i++ {
			c := v[i]
			var flipped byte
			switch {
			case c >= 'a' && c <= 'f':
				flipped = c - 'a' + 'A'
			case c >= 'A' && c <= 'F':
				flipped = c - 'A' + 'a'
			default:
				continue
			}
			bad := v[:i] + string(flipped) + v[i+1:]
			err := plaudit.CheckAddress(bad)
			if err == nil || !strings.Contains(err.Error(), "EIP-55") || !strings.Contains(err.Error(), v) {
				t.Fatalf("CheckAddress(%s) = %v, want a bad checksum naming %s", bad, err, v)
			}
		}
	}
	for _, bad := range []string{"", "hello", "0x123", "0X52908400098527886E0F7030069857D2E4169EE7", "52908400098527886E0F7030069857D2E4169EE7",
		"0x52908400098527886E0F7030069857D2E4169EE", "0x52908400098527886E0F7030069857D2E4169EE7a", "0x52908400098527886E0F7030069857D2E4169EEg",
		"0x5290840009852788 E0F7030069857D2E4169EE7"} {
		if err := plaudit.CheckAddress(bad); err == nil || plaudit.ErrorCode(err) != plaudit.EINVALID {
			t.Errorf("CheckAddress(%q) = %v, want EINVALID", bad, err)
		}
	}
}

func TestCheckHandle(t *testing.T) {
	for _, h := range []string{"alice", "Alice_2", "a.b-c", "x:1001", "github:octo-cat", "bob@example", "0xdead", "a", strings.Repeat("a", 128)} {
		if err := plaudit.CheckHandle(h); err != nil {
			t.Errorf("CheckHandle(%q) = %v, want valid", h, err)
		}
	}
	for _, tc := range []struct{ h, want string }{
		{"", "missing"},
		{"alice smith", "space"},
		{"alice\u202Eevil", "U+202E"},
		{"alice\u200bb", "U+200B"},
		{"al\tice", "U+0009"},
		{"alicé", "ASCII"},
		{"аlice", "ASCII"}, // Cyrillic a
		{"-alice", "first"},
		{".alice", "first"},
		{strings.Repeat("a", 129), "too long"},
		{"a/b", "want"},
	} {
		err := plaudit.CheckHandle(tc.h)
		if err == nil || !strings.Contains(err.Error(), tc.want) || plaudit.ErrorCode(err) != plaudit.EINVALID {
			t.Errorf("CheckHandle(%q) = %v, want EINVALID mentioning %q", tc.h, err, tc.want)
		}
	}
}

func TestParseTimeStrict(t *testing.T) {
	for _, s := range []string{"2024-05-01T12:00:00Z", "2024-05-01T12:00:00.1Z", "2024-05-01T12:00:00.123456789Z",
		"2024-05-01T12:00:00+23:59", "2024-05-01T12:00:00-23:59", "2024-05-01T12:00:00-00:00", "2024-02-29T23:59:59+02:00"} {
		if _, err := plaudit.ParseTime(s); err != nil {
			t.Errorf("ParseTime(%q) = %v, want ok", s, err)
		}
	}
	for _, tc := range []struct{ s, want string }{
		{"2024-05-01T1:00:00Z", "HH:MM:SS"},
		{"2024-05-01T1:00:00.5Z", "two-digit"},
		{"2024-05-01T12:00:00.1234567890Z", "10 fractional digits"},
		{"2024-05-01T12:00:00+24:00", "out of range"},
		{"2024-05-01T12:00:00+23:60", "out of range"},
		{"2024-05-01T12:00:00.Z", "without fractional"},
		{"2024-05-01T12:00:00", "zone"},
		{"2024-05-01T12:00:00+0100", "zone"},
		{"2024-05-01 12:00:00Z", "'T'"},
		{"2024-05-01t12:00:00z", "'T'"},
		{"2024-13-01T12:00:00Z", "month"},
		{"2023-02-29T12:00:00Z", "day"},
		{"2024-05-01T24:00:00Z", "hour"},
		{"yesterday", "want"},
	} {
		_, err := plaudit.ParseTime(tc.s)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseTime(%q) = %v, want an error mentioning %q", tc.s, err, tc.want)
		}
	}
}

// TestValidateAtTheDoor decodes events as import and the API do, and checks that each bad one is refused
// with its field named, and that its good twin passes.
func TestValidateAtTheDoor(t *testing.T) {
	const review = `{"source":"github","id":"PRR_1","kind":"review","actor":"carol","target":"PR_1","time":"2024-05-03T08:00:00Z","attrs":{"state":"APPROVED","additions":%s,"deletions":8}}`
	const issue = `{"source":"github","id":"I_1","kind":"issue","actor":"carol","time":"2024-05-03T08:00:00Z","attrs":{"labels":%s}}`
	const wallet = `{"source":"plaudit","id":"w1","kind":"wallet","actor":"%s","time":"2024-05-03T08:00:00Z","attrs":{"address":"%s"}}`
	const link = `{"source":"x","id":"l1","kind":"link","actor":"1001","time":"2024-05-03T08:00:00Z","attrs":{"member":%q}}`
	const at = `{"source":"x","id":"1","kind":"post","actor":"1001","time":%q}`
	tests := []struct {
		line, field string // field "" = valid
	}{
		{fmt.Sprintf(review, `120`), ""},
		{fmt.Sprintf(review, `0`), ""},
		{fmt.Sprintf(review, `1.5`), "attrs.additions"},
		{fmt.Sprintf(review, `"12"`), "attrs.additions"},
		{fmt.Sprintf(review, `-1`), "attrs.additions"},
		{fmt.Sprintf(review, `true`), "attrs.additions"},
		{fmt.Sprintf(review, `1e3`), "attrs.additions"},
		{fmt.Sprintf(review, `null`), ""},
		{strings.Replace(fmt.Sprintf(review, `1`), `"target":"PR_1",`, "", 1), "target"},
		{strings.Replace(fmt.Sprintf(review, `1`), `APPROVED`, "LGTM", 1), "attrs.state"},
		{`{"source":"github","id":"C_1","kind":"comment","actor":"dave","time":"2024-05-03T08:00:00Z"}`, "target"},
		{fmt.Sprintf(issue, `["Priority: 2","Price: 100 USD"]`), ""},
		{fmt.Sprintf(issue, `"Priority: 2"`), "attrs.labels"},
		{fmt.Sprintf(issue, `["Priority: 2",3]`), "attrs.labels[1]"},
		{`{"source":"github","id":"I_2","kind":"issue","actor":"carol","time":"2024-05-03T08:00:00Z","attrs":{"assignees":["dave","e\u202Ev"]}}`, "attrs.assignees[1]"},
		{`{"source":"github","id":"I_3","kind":"issue","actor":"carol","time":"2024-05-03T08:00:00Z","attrs":{"assignees":["dave",""]}}`, "attrs.assignees[1]"},
		{fmt.Sprintf(wallet, "alice", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"), ""},
		{fmt.Sprintf(wallet, "alice", "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"), ""},
		{fmt.Sprintf(wallet, "alice", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"), "attrs.address"},
		{fmt.Sprintf(wallet, "alice", "hello"), "attrs.address"},
		{fmt.Sprintf(wallet, "alice", "0x123"), "attrs.address"},
		{fmt.Sprintf(wallet, "alice smith", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"), "actor"},
		{`{"source":"x","id":"w2","kind":"wallet","actor":"1001","time":"2024-05-03T08:00:00Z","attrs":{"address":"0x123"}}`, "attrs.address"},
		{fmt.Sprintf(link, "alice"), ""},
		{fmt.Sprintf(link, "alice smith"), "attrs.member"},
		{fmt.Sprintf(link, "alice\u202Eevil"), "attrs.member"},
		{`{"source":"plaudit","id":"m1","kind":"merge","actor":"op","time":"2024-05-03T08:00:00Z","attrs":{"from":"a b","into":"c"}}`, "attrs.from"},
		{`{"source":"plaudit","id":"l2","kind":"link","actor":"alice","time":"2024-05-03T08:00:00Z","attrs":{"member":"bob"}}`, "actor"},
		{`{"source":"plaudit","id":"t1","kind":"tier","actor":"bob","time":"2024-05-03T08:00:00Z","attrs":{"tier":2,"by":"o p"}}`, "attrs.by"},
		{`{"source":"x","id":"s1","kind":"submit","actor":"1001","time":"2024-05-03T08:00:00Z"}`, "target"},
		{`{"source":"api","id":"f1","kind":"flag","actor":"erin","target":"member:a b","time":"2024-05-03T08:00:00Z"}`, "target"},
		{`{"source":"api","id":"f2","kind":"flag","actor":"erin","time":"2024-05-03T08:00:00Z"}`, "target"},
		{`{"source":"api","id":"f3","kind":"feedback","actor":"erin","time":"2024-05-03T08:00:00Z","attrs":{"adopted":"yes"}}`, "attrs.adopted"},
		{`{"source":"x","id":"p1","kind":"post","actor":"10\u202E01","time":"2024-05-03T08:00:00Z"}`, "actor"},
		{`{"source":"x","id":"p2","kind":"post","actor":"1001","time":"2024-05-03T08:00:00Z","attrs":{"follower_count":-3}}`, "attrs.follower_count"},
		{`{"source":"x","id":"p3","kind":"post","actor":"1001","time":"2024-05-03T08:00:00Z","attrs":{"account_created":"2019-03-04T5:06:07Z"}}`, "attrs.account_created"},
		{`{"source":"farcaster","id":"0x1","kind":"post","actor":"3621","time":"2024-05-03T08:00:00Z","attrs":{"likes_count":"many"}}`, "attrs.likes_count"},
		{`{"source":"farcaster","id":"0x2","kind":"post","actor":"alice","time":"2024-05-03T08:00:00Z"}`, "attrs.fid"},
		{`{"source":"farcaster","id":"0x3","kind":"post","actor":"alice","time":"2024-05-03T08:00:00Z","attrs":{"fid":"3621","power_badge":"true"}}`, "attrs.power_badge"},
		{fmt.Sprintf(at, "2024-05-01T12:00:00+02:00"), ""},
		{fmt.Sprintf(at, "2024-05-01T1:00:00Z"), "time"},
		{fmt.Sprintf(at, "2024-05-01T12:00:00.1234567890Z"), "time"},
		{fmt.Sprintf(at, "2024-05-01T12:00:00+24:00"), "time"},
	}
	for _, tc := range tests {
		var ev plaudit.Event
		errs := eventio.ParseEvent([]byte(tc.line), &ev)
		if tc.field == "" {
			if len(errs) > 0 {
				t.Errorf("%s: refused: %v", tc.line, errs[0])
			}
			continue
		}
		found := false
		for _, fe := range errs {
			if fe.Field == tc.field {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: errors %v, want one for field %s", tc.line, errs, tc.field)
		}
	}
}
