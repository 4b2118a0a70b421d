package web

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strings"

	"github.com/plaudit/plaudit/service"
)

// ringPicture draws a ring's members on a circle with a line for each interaction its evidence counts,
// thicker for more: a small picture of who engages with whom.
func ringPicture(rf service.RingFinding) template.HTML {
	const size, radius = 260, 90
	n := len(rf.Members)
	pos := map[string][2]float64{}
	for i, m := range rf.Members {
		a := 2*math.Pi*float64(i)/float64(max1(n, 1)) - math.Pi/2
		pos[m] = [2]float64{size/2 + radius*math.Cos(a), size/2 + radius*math.Sin(a)}
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="ring" viewBox="0 0 %d %d" role="img" xmlns="http://www.w3.org/2000/svg" %s><title>ring of %d members: %s</title>`,
		size, size, chartFont, n, html.EscapeString(strings.Join(rf.Members, ", ")))
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/>`, size, size)
	maxCount := 1
	for _, e := range rf.Edges {
		maxCount = max1(maxCount, e.Count)
	}
	for _, e := range rf.Edges {
		a, b2 := pos[e.From], pos[e.To]
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#d62728" stroke-opacity="0.6" stroke-width="%.1f"><title>%s → %s: %d</title></line>`,
			a[0], a[1], b2[0], b2[1], 1+3*float64(e.Count)/float64(maxCount), html.EscapeString(e.From), html.EscapeString(e.To), e.Count)
	}
	for _, m := range rf.Members {
		c := pos[m]
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="7" fill="#1f77b4"/><text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`,
			c[0], c[1], c[0], c[1]-11, html.EscapeString(m))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
