package web

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/plaudit/plaudit/web/discordauth/discordauthtest"
)

// TestBrowserDiscordSignIn signs in to the panel in headless Chromium with the "Sign in with Discord" button,
// through the fake Discord, and is refused with a clear page when the Discord user has no panel role
// (PLAUDIT_SCREENSHOTS=DIR keeps the screenshots; docs/panel/ holds the ones in docs/panel.md).
func TestBrowserDiscordSignIn(t *testing.T) {
	f, fake := discordFixture(t, "")
	b := newBrowser(t, f)

	fake.SignInAs(&discordauthtest.User{ID: "80351110224678912", Username: "nelly", Guilds: map[string][]string{testGuild: {"999"}}})
	b.run("sign-in page", chromedp.Navigate(f.url+"/admin/leaderboard"), chromedp.WaitVisible(chromedp.ID("username")))
	b.screenshot("login-discord")
	b.run("refused", chromedp.Click(chromedp.CSS(`a[href^="/admin/login/discord"]`)), chromedp.WaitVisible(chromedp.CSS("p.error")))
	if got := b.text("p.error"); !strings.Contains(got, "none of the server's roles") {
		t.Fatalf("refusal page says %q", got)
	}
	b.screenshot("login-discord-refused")

	fake.SignInAs(&discordauthtest.User{ID: "80351110224678912", Username: "nelly", Guilds: map[string][]string{testGuild: {"112"}}})
	b.run("sign in", chromedp.Navigate(f.url+"/admin/leaderboard"), chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.Click(chromedp.CSS(`a[href^="/admin/login/discord"]`)), chromedp.WaitVisible(chromedp.ID("board-table")))
	b.run("overview", chromedp.Navigate(f.url+"/admin/"), chromedp.WaitVisible(chromedp.ID("members")))
	if body := b.text("body"); !strings.Contains(body, "discord:80351110224678912") {
		t.Fatalf("the overview does not name the Discord user:\n%.1000s", body)
	}
	b.screenshot("overview-discord")
}
