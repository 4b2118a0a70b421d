package conversation

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"
	"sync"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	gmhtml "github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// md renders GitHub-flavoured markdown (tables, strikethrough, autolinks, task lists) to HTML, raw HTML
// passed through as GitHub and the reference pass it.
var md = goldmark.New(
	goldmark.WithExtensions(extension.GFM),
	goldmark.WithRendererOptions(gmhtml.WithUnsafe()),
)

// renderBuf is a pooled output buffer with the buffered writer goldmark would otherwise allocate per call.
type renderBuf struct {
	out bytes.Buffer
	w   *bufio.Writer
}

var bufPool = sync.Pool{New: func() any { return newRenderBuf() }}

func newRenderBuf() *renderBuf {
	b := new(renderBuf)
	b.w = bufio.NewWriterSize(&b.out, 4096)
	return b
}

// MaxMarkdownLen bounds one comment's markdown; longer input is an error rather than a slow render.
const MaxMarkdownLen = 1 << 20

// renderBody renders markdown and returns the body element of the resulting document.
func renderBody(markdown string) (*html.Node, error) {
	buf := bufPool.Get().(*renderBuf)
	defer bufPool.Put(buf)
	out, raw, err := renderHTML(markdown, buf)
	if err != nil {
		return nil, err
	}
	if !raw {
		if body, ok := buildTree(out); ok {
			return body, nil
		}
	}
	return parseBody(out)
}

// renderHTML renders markdown to HTML in buf and reports whether the markdown holds raw HTML.
func renderHTML(markdown string, buf *renderBuf) ([]byte, bool, error) {
	if len(markdown) > MaxMarkdownLen {
		return nil, false, fmt.Errorf("markdown: %d bytes, at most %d", len(markdown), MaxMarkdownLen)
	}
	buf.out.Reset()
	buf.w.Reset(&buf.out)
	src := []byte(markdown)
	doc := md.Parser().Parse(text.NewReader(src))
	if err := md.Renderer().Render(buf.w, src, doc); err != nil {
		return nil, false, fmt.Errorf("markdown: render: %w", err)
	}
	if err := buf.w.Flush(); err != nil {
		return nil, false, fmt.Errorf("markdown: render: %w", err)
	}
	return buf.out.Bytes(), hasRawHTML(doc), nil
}

// parseBody parses HTML as a browser would and returns its body element.
func parseBody(b []byte) (*html.Node, error) {
	doc, err := html.Parse(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("markdown: parse HTML: %w", err)
	}
	body := findBody(doc)
	if body == nil {
		return nil, fmt.Errorf("markdown: no document body")
	}
	return body, nil
}

func findBody(n *html.Node) *html.Node {
	if n.Type == html.ElementNode && n.DataAtom == atom.Body {
		return n
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if b := findBody(c); b != nil {
			return b
		}
	}
	return nil
}

// textContent is the DOM's textContent: the text of every descendant text node, in order.
func textContent(n *html.Node) string {
	var b strings.Builder
	appendText(&b, n)
	return b.String()
}

func appendText(b *strings.Builder, n *html.Node) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		switch c.Type {
		case html.TextNode:
			b.WriteString(c.Data)
		case html.ElementNode:
			appendText(b, c)
		}
	}
}

// elements appends n's descendant elements in document order (getElementsByTagName("*")).
func elements(dst []*html.Node, n *html.Node) []*html.Node {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode {
			dst = append(dst, c)
			dst = elements(dst, c)
		}
	}
	return dst
}

// countElements returns the number of n's descendant elements.
func countElements(n *html.Node) int {
	k := 0
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode {
			k += 1 + countElements(c)
		}
	}
	return k
}

// removeChildren empties n (textContent = "").
func removeChildren(n *html.Node) {
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		n.RemoveChild(c)
		c = next
	}
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// hasURLText reports whether n's textContent contains "http://" or "https://", without building it: each
// text node is checked, and so is each junction with the text before it.
func hasURLText(n *html.Node) bool {
	var tail [16]byte
	k := 0 // bytes of tail in use
	var found bool
	var visit func(*html.Node)
	visit = func(n *html.Node) {
		for c := n.FirstChild; c != nil && !found; c = c.NextSibling {
			switch c.Type {
			case html.ElementNode:
				visit(c)
			case html.TextNode:
				data := c.Data
				if indexURL(data) >= 0 {
					found = true
					return
				}
				if k > 0 {
					var j [16]byte
					m := copy(j[:], tail[:k])
					m += copy(j[m:], data[:min(len(data), 7)])
					if indexURL(string(j[:m])) >= 0 {
						found = true
						return
					}
				}
				if len(data) >= 7 {
					k = copy(tail[:], data[len(data)-7:])
				} else {
					var j [16]byte
					m := copy(j[:], tail[:k])
					m += copy(j[m:], data)
					start := max(0, m-7)
					k = copy(tail[:], j[start:m])
				}
			}
		}
	}
	visit(n)
	return found
}
