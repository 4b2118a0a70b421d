package portal_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/plaudit/plaudit/service"
	"github.com/plaudit/plaudit/web/discordauth/discordauthtest"
)

// TestBrowserDiscordSignIn: in headless Chromium a member whose Discord account is not linked is told to use
// /connect; once /connect linked it, "Sign in with Discord" opens their page (screenshots as
// TestBrowserMemberClaim's).
func TestBrowserDiscordSignIn(t *testing.T) {
	d := newDiscordPortal(t, "")
	ctx := browser(t)
	d.fake.SignInAs(&discordauthtest.User{ID: "4242", Username: "nelly"})
	if err := chromedp.Do(ctx, chromedp.Navigate(d.url+"/claim"), chromedp.WaitVisible(chromedp.CSS(`a[href="/claim/discord"]`))); err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "signin-discord.png")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`a[href="/claim/discord"]`)), chromedp.WaitVisible(chromedp.CSS("main p"))); err != nil {
		t.Fatal(err)
	}
	msg, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(msg, "Use /connect") {
		t.Fatalf("unlinked page says %q", msg)
	}
	screenshot(t, ctx, "signin-discord-unlinked.png")
	l, err := d.svc.ConnectDiscord(context.Background(), service.DiscordConnect{User: "4242", UserName: "nelly", XID: "77001", XUsername: "nelly_x"})
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(d.url+"/claim"), chromedp.Click(chromedp.CSS(`a[href="/claim/discord"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/claim/logout"]`))); err != nil {
		t.Fatal(err)
	}
	h1, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("h1")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(h1, l.Member) {
		t.Fatalf("member page heading %q, want %s", h1, l.Member)
	}
}
