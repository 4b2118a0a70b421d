package conversation

import (
	"bytes"
	"strings"

	"github.com/yuin/goldmark/ast"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Markdown without raw HTML renders to HTML that goldmark itself wrote: well-formed, every element closed,
// attributes double-quoted. buildTree turns such HTML into the same tree html.Parse would build (the body
// element and its descendants), at a fraction of the cost; markdown with raw HTML goes through html.Parse.
// FuzzScoreComment checks that the two agree.

// hasRawHTML reports whether the markdown's syntax tree holds raw HTML, inline or as a block.
func hasRawHTML(doc ast.Node) bool {
	found := false
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if entering && (n.Kind() == ast.KindHTMLBlock || n.Kind() == ast.KindRawHTML) {
			found = true
			return ast.WalkStop, nil
		}
		return ast.WalkContinue, nil
	})
	return found
}

// voidElements are the elements that have no end tag.
var voidElements = map[string]bool{"area": true, "base": true, "br": true, "col": true, "embed": true, "hr": true,
	"img": true, "input": true, "link": true, "meta": true, "source": true, "track": true, "wbr": true}

// buildTree builds the body of goldmark's HTML output. ok is false when the input is not what goldmark
// writes (the caller then uses html.Parse).
func buildTree(src []byte) (body *html.Node, ok bool) {
	body = &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	cur := body
	// The parser drops white space before the first element (it goes to the head), and NUL characters.
	s := bytes.TrimLeft(src, "\t\n\f\r ")
	if bytes.IndexByte(s, 0) >= 0 {
		return nil, false
	}
	anchors := 0 // open <a> elements: a link inside a link is restructured by the parser
	for len(s) > 0 {
		lt := bytes.IndexByte(s, '<')
		if lt < 0 {
			lt = len(s)
		}
		if lt > 0 {
			appendTextNode(cur, s[:lt])
			s = s[lt:]
			continue
		}
		gt := bytes.IndexByte(s, '>')
		if gt < 0 {
			return nil, false
		}
		tag := s[1:gt]
		s = s[gt+1:]
		if len(tag) > 0 && tag[0] == '/' {
			name := string(tag[1:])
			if cur == body || cur.Data != name {
				return nil, false
			}
			if name == "a" {
				anchors--
			}
			cur = cur.Parent
			continue
		}
		selfClosing := false
		if n := len(tag); n > 0 && tag[n-1] == '/' {
			selfClosing = true
			tag = bytes.TrimRight(tag[:n-1], " ")
		}
		el, good := parseStartTag(tag)
		if !good {
			return nil, false
		}
		switch el.Data {
		case "a":
			if anchors > 0 {
				return nil, false
			}
			anchors++
		case "pre", "listing", "textarea":
			if len(s) > 0 && (s[0] == '\n' || s[0] == '\r') {
				return nil, false // the parser drops a newline right after these start tags
			}
		}
		cur.AppendChild(el)
		if voidElements[el.Data] {
			continue
		}
		if selfClosing {
			return nil, false // a self-closed non-void element: leave it to the HTML parser
		}
		cur = el
	}
	if cur != body {
		return nil, false
	}
	return body, true
}

// parseStartTag reads `name attr="value" …` as goldmark writes it.
func parseStartTag(tag []byte) (*html.Node, bool) {
	i := 0
	for i < len(tag) && (tag[i] >= 'a' && tag[i] <= 'z' || tag[i] >= '0' && tag[i] <= '9') {
		i++
	}
	if i == 0 {
		return nil, false
	}
	name := string(tag[:i])
	el := &html.Node{Type: html.ElementNode, Data: name, DataAtom: atom.Lookup(tag[:i])}
	rest := tag[i:]
	for {
		rest = bytes.TrimLeft(rest, " ")
		if len(rest) == 0 {
			return el, true
		}
		eq := bytes.IndexByte(rest, '=')
		sp := bytes.IndexByte(rest, ' ')
		if eq < 0 || (sp >= 0 && sp < eq) {
			// an attribute without a value: goldmark does not write these
			return nil, false
		}
		key := string(rest[:eq])
		if key == "" || strings.ToLower(key) != key || len(rest) < eq+2 || rest[eq+1] != '"' {
			return nil, false
		}
		end := bytes.IndexByte(rest[eq+2:], '"')
		if end < 0 {
			return nil, false
		}
		val := rest[eq+2 : eq+2+end]
		for _, a := range el.Attr {
			if a.Key == key {
				return nil, false // duplicate attributes: the parser keeps the first; leave it to it
			}
		}
		el.Attr = append(el.Attr, html.Attribute{Key: key, Val: decodeText(val)})
		rest = rest[eq+2+end+1:]
	}
}

// decodeText decodes character references and normalises line ends as the HTML tokenizer does.
func decodeText(b []byte) string {
	s := string(b)
	if strings.IndexByte(s, '\r') >= 0 {
		s = strings.ReplaceAll(s, "\r\n", "\n")
		s = strings.ReplaceAll(s, "\r", "\n")
	}
	if strings.IndexByte(s, '&') >= 0 {
		s = html.UnescapeString(s)
	}
	return s
}

// appendTextNode adds text to n, merged with a text node just before it as the parser merges them.
func appendTextNode(n *html.Node, b []byte) {
	t := decodeText(b)
	if t == "" {
		return
	}
	if last := n.LastChild; last != nil && last.Type == html.TextNode {
		last.Data += t
		return
	}
	n.AppendChild(&html.Node{Type: html.TextNode, Data: t})
}
