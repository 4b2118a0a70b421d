package discord

import (
	"net/url"
	"regexp"
	"strings"

	"github.com/plaudit/plaudit"
)

var (
	postPath = regexp.MustCompile(`^/(?:[A-Za-z0-9_]{1,15}|i/web|i)/status(?:es)?/([0-9]{1,20})(?:/.*)?$`)
	postHost = map[string]bool{"x.com": true, "twitter.com": true, "www.x.com": true, "www.twitter.com": true,
		"mobile.x.com": true, "mobile.twitter.com": true}
)

// ParsePostURL returns the post id of an X post link: x.com or twitter.com, with or without www. or
// mobile., http or https (or no scheme), with any query string or fragment, such as
// https://x.com/alice/status/1790000000000000001?s=20. Anything else is EINVALID with an example.
func ParsePostURL(s string) (string, error) {
	raw := strings.TrimSpace(s)
	raw = strings.TrimPrefix(strings.TrimSuffix(raw, ">"), "<") // Discord's <link> that suppresses the preview
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err == nil && (u.Scheme == "https" || u.Scheme == "http") && postHost[strings.ToLower(u.Hostname())] && u.Port() == "" && u.User == nil {
		if m := postPath.FindStringSubmatch(u.Path); m != nil {
			return m[1], nil
		}
	}
	show := s
	if len(show) > 80 {
		show = show[:80] + "…"
	}
	return "", plaudit.Errorf(plaudit.EINVALID, "%q is not a link to an X post: paste one such as https://x.com/yourname/status/1790000000000000001", show)
}
