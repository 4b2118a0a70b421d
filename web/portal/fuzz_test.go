package portal_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzPortalInput sends arbitrary wallet addresses, member keys and form bodies to the routes that read
// outside input: none answers 5xx, none echoes the key, and none opens a session.
func FuzzPortalInput(f *testing.F) {
	for _, s := range []string{"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", "0x", "", "plk_", "plk_" + strings.Repeat("a", 300), "%zz", "csrf=&key=", "\x00\xff", "<script>"} {
		f.Add(s, s)
	}
	fx := newFixture(f, "")
	f.Fuzz(func(t *testing.T, address, body string) {
		c := fx.client()
		req, _ := http.NewRequest(http.MethodGet, fx.url+"/claim/wallet?address="+url.QueryEscape(address), nil)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			t.Fatalf("wallet %q: %d", address, resp.StatusCode)
		}
		for _, form := range []string{body, "csrf=x&key=" + url.QueryEscape(body)} {
			req, _ := http.NewRequest(http.MethodPost, fx.url+"/claim/login", strings.NewReader(form))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.AddCookie(&http.Cookie{Name: "plaudit_portal_csrf", Value: "x"})
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode >= 500 || resp.StatusCode == http.StatusSeeOther {
				t.Fatalf("login form %q: %d", form, resp.StatusCode)
			}
			for _, ck := range resp.Cookies() {
				if ck.Name == "plaudit_portal" && ck.MaxAge >= 0 && utf8.ValidString(ck.Value) && ck.Value != "" {
					t.Fatalf("login form %q opened a session", form)
				}
			}
		}
	})
}
