package conversation

import (
	"context"
	"fmt"
	"golang.org/x/net/html"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/shopspring/decimal"
)

// FuzzScoreComment runs arbitrary markdown through rendering, the tag walk and scoring, in both modes: it must
// never panic, the reward must be non-negative and the same twice.
func FuzzScoreComment(f *testing.F) {
	for _, s := range []string{
		"", "plain", "*a* **b** `c`", "See https://a.example/x). and www.b.example", "<details><summary>x</summary>y</details>",
		"| a | b |\n|---|---|\n| 1 | 2 |", "- [ ] task\n- [x] done", "```go\nfunc main() {}\n```", "> quote\n\nbody",
		"<img src=x onerror=alert(1)>", "<a href=\"/rel\">rel</a> <a href=\"mailto:a@b.c\">m</a>", "[^1]: note\n###### x [^1^]",
		"<table><tr><td>unclosed", "ht<em>tp</em>s://split.example", "[see www.b.example](http://c.example)", "[![img](x.png)](https://y.example)",
		"&amp; &copy; &#x41; &notanentity; &#0;", "a\r\nb\rc", "- [ ] x\n- [x] y", "| a |\n|:-:|\n| `b` |", "~~gone~~ **bold _both_**",
		"[link](<url with spaces> \"title\")", "www.a.example/path_(x)", "`` ` ``", "\ttabbed code", "* a\n\n  b\n* c", "h<b>t</b>t<i>p</i>:<u>/</u>/x", "x http", "http:/ /", "\x00\xff\xfe", strings.Repeat("[", 100), strings.Repeat("*a* ", 50),
	} {
		f.Add(s)
	}
	ubq := DefaultConfig()
	ubq.Compat = true
	preset := DefaultConfig()
	f.Fuzz(func(t *testing.T, md string) {
		if len(md) > 1<<14 {
			return
		}
		for _, c := range []*Config{&ubq, &preset} {
			in := CommentInput{Markdown: md, Role: "ISSUE_CONTRIBUTOR", URL: "https://github.com/o/r/issues/1#issuecomment-1", Relevance: d("0.8"), Priority: 2}
			a, err := c.ScoreComment(in)
			if err != nil {
				t.Fatalf("score: %v", err)
			}
			b, _ := c.ScoreComment(in)
			if a.Reward.Sign() < 0 || !a.Reward.Equal(b.Reward) {
				t.Fatalf("reward %s then %s", a.Reward, b.Reward)
			}
			if a.Formatting.Readability.Score < 0 || a.Formatting.Readability.Score > 1 {
				t.Fatalf("readability %v", a.Formatting.Readability.Score)
			}
		}
		if out, raw, err := renderHTML(md, newRenderBuf()); err == nil && !raw {
			if fast, ok := buildTree(out); ok {
				slow, err := parseBody(out)
				if err != nil {
					t.Fatal(err)
				}
				if a, b := dumpTree(fast), dumpTree(slow); a != b {
					t.Fatalf("tree builder disagrees with the HTML parser on %q:\n%s\nparser:\n%s", out, a, b)
				}
			}
		}
		if body, err := renderBody(md); err == nil {
			if hasURLText(body) != (indexURL(textContent(body)) >= 0) {
				t.Fatalf("hasURLText disagrees with the text: %q", textContent(body))
			}
		}
		p := Purge(md)
		if utf8.ValidString(md) && !utf8.ValidString(p) {
			t.Fatalf("purge broke UTF-8: %q", p)
		}
		if len(p) > len(md) && !containsFold(md, "http") {
			t.Fatalf("purge grew a comment without URLs: %q → %q", md, p)
		}
	})
}

// FuzzDecodeGitHub feeds arbitrary bytes to the GitHub JSON decoders and scores whatever decodes: errors are
// fine, panics are not.
func FuzzDecodeGitHub(f *testing.F) {
	f.Add([]byte(`{"id": 1, "html_url": "https://github.com/o/r/issues/1", "user": {"login": "a", "type": "User"}, "body": "x", "labels": ["Price: 5 USD", {"name": "Priority: 2"}], "assignees": [{"login": "a"}]}`),
		[]byte(`[{"id": 2, "user": {"login": "b", "type": "User"}, "body": "hi https://a.example", "author_association": "MEMBER"}]`))
	f.Add([]byte(`{"id": 1}`), []byte(`[]`))
	f.Add([]byte(`{"id": 1, "html_url": "u", "user": {"login": "a"}, "labels": [3]}`), []byte(`[{"id": "x"}]`))
	f.Add([]byte(`null`), []byte(`[null]`))
	f.Add([]byte(`{"id": 9e99, "user": {"login": ""}}`), []byte(`[{"id": 1, "user": {"login": "a"}, "body": null}]`))
	c := DefaultConfig()
	f.Fuzz(func(t *testing.T, issue, comments []byte) {
		is, err1 := DecodeIssue("issue.json", issue)
		cs, err2 := DecodeComments("comments.json", comments)
		for _, err := range []error{err1, err2} {
			if err != nil && !strings.Contains(err.Error(), ".json") {
				t.Fatalf("error does not name its input: %v", err)
			}
		}
		_, _ = DecodeReviews("reviews.json", comments)
		_, _ = DecodeFiles("files.json", comments)
		_, _ = DecodeEvents("events.json", comments)
		if edits, err := DecodeEdits("edits.json", issue); err == nil {
			_ = Authorship(edits)
		}
		if err1 != nil || err2 != nil {
			return
		}
		if _, err := c.Score(context.Background(), &Thread{Issue: is, Comments: cs}, Fixed(decimal.NewFromInt(1))); err != nil {
			t.Fatalf("score of decoded input: %v", err)
		}
	})
}

// FuzzParseUbiquityConfig checks that any configuration either loads or fails with an error, never panics.
func FuzzParseUbiquityConfig(f *testing.F) {
	f.Add([]byte(`{"incentives": {"formattingEvaluator": {"multipliers": [{"role": ["ISSUE_AUTHOR"], "multiplier": 1, "rewards": {"html": {"p": {"score": 1}}}}]}}}`))
	f.Add([]byte("plugin: x\nwith:\n  incentives:\n    limitRewards: true\n"))
	f.Add([]byte("a: &x 1\nb: *x\n"))
	f.Add([]byte(`{"incentives": {"contentEvaluator": {"multipliers": [{"role": [], "relevance": 1}]}}}`))
	f.Add([]byte(`{"rewards": 3}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseUbiquityConfig(data)
		if err == nil && !c.Compat {
			t.Fatal("a Ubiquity configuration must select compatibility mode")
		}
	})
}

// The purge rules, written as the reference writes them; Go's regular expressions agree with JavaScript's on
// ASCII text with \n line ends and no \v, which is what FuzzPurgeRules feeds them.
var purgeRules = []struct {
	name string
	re   *regexp.Regexp
	fn   func(string) string
}{
	{"quoted lines", regexp.MustCompile(`(?m)^>.*$`), removeQuotedLines},
	{"slash command", regexp.MustCompile(`(?im)^/[a-z][\w-]*(?:\s[\s\S]*)?$`), removeFromCommand},
	{"HTML comments", regexp.MustCompile(`<!--[\s\S]*?-->`), removeHTMLComments},
	{"footnote section", regexp.MustCompile(`(?m)^###### .*?\[\^\d+\^\][\s\S]*$`), removeFootnoteSection},
	{"footnote definitions", regexp.MustCompile(`(?m)^\[\^[\w-]+\^?\]:.*$`), removeFootnoteDefinitions},
	{"footnote references", regexp.MustCompile(`\[\^[\w-]+\^?\]`), removeFootnoteRefs},
}

// FuzzPurgeRules checks each hand-written purge rule against the reference's regular expression.
func FuzzPurgeRules(f *testing.F) {
	for _, s := range []string{"> q\nkeep", "a\n/start now\nb", "x <!-- c --> y <!-- d", "t[^1]\n[^1]: n",
		"b\n###### F [^12^] x\nrest", "[^a-b^]: def\n[^x]", "/Cmd", "/1x\n/a", ">\n>>\n", "###### [^1^]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for i := 0; i < len(s); i++ {
			if c := s[i]; c >= 0x80 || c == '\r' || c == '\v' {
				return
			}
		}
		for _, r := range purgeRules {
			want := r.re.ReplaceAllString(s, "")
			if r.name == "slash command" { // the reference replaces the first match only
				if loc := r.re.FindStringIndex(s); loc != nil {
					want = s[:loc[0]] + s[loc[1]:]
				} else {
					want = s
				}
			}
			if got := r.fn(s); got != want {
				t.Fatalf("%s: %q → %q, want %q", r.name, s, got, want)
			}
		}
	})
}

// dumpTree writes a tree's elements, attributes and text, one node per line, for comparisons.
func dumpTree(n *html.Node) string {
	var b strings.Builder
	var visit func(n *html.Node, depth int)
	visit = func(n *html.Node, depth int) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			b.WriteString(strings.Repeat(" ", depth))
			switch c.Type {
			case html.ElementNode:
				fmt.Fprintf(&b, "<%s", c.Data)
				for _, a := range c.Attr {
					fmt.Fprintf(&b, " %s=%q", a.Key, a.Val)
				}
				b.WriteString(">\n")
				visit(c, depth+1)
			case html.TextNode:
				fmt.Fprintf(&b, "%q\n", c.Data)
			default:
				fmt.Fprintf(&b, "node type %d %q\n", c.Type, c.Data)
			}
		}
	}
	visit(n, 0)
	return b.String()
}
