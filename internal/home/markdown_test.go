package home

import (
	"regexp"
	"strings"
	"testing"
)

func TestMarkdown(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string // substrings of the HTML
		not       []string
	}{
		{"heading ids as GitHub's", "## OAuth and OpenID Connect errors (`error`)",
			[]string{`<h2 id="oauth-and-openid-connect-errors-error">OAuth and OpenID Connect errors (<code>error</code>)</h2>`}, nil},
		{"table rows anchored by their code, once", "| a | b |\n| --- | --- |\n| `x_y` | 400 |\n| `x_y` | 404 |\n| plain | 1 |",
			[]string{`<tr><th>a</th><th>b</th></tr>`, `<tr id="x_y"><td><code>x_y</code></td><td>400</td></tr>`,
				`<tr><td><code>x_y</code></td><td>404</td></tr>`, `<tr><td>plain</td><td>1</td></tr>`}, nil},
		{"escaped pipe in a cell", "| a |\n| --- |\n| `\\|` and \\| |", []string{`<td><code>|</code> and |</td>`}, nil},
		{"list with continuation", "- one\n  more\n- two", []string{"<ul>\n<li>one more</li>\n<li>two</li>\n</ul>"}, nil},
		{"fenced code", "```json\n{\"a\": \"<b>\"}\n```", []string{`<pre><code>{&#34;a&#34;: &#34;&lt;b&gt;&#34;}` + "\n</code></pre>"}, nil},
		{"links and bold", "See [the page](https://example.com/a?b=1&c=2) and **this**.",
			[]string{`<a href="https://example.com/a?b=1&amp;c=2">the page</a>`, "<strong>this</strong>"}, nil},
		{"everything escaped", "<script>alert(1)</script> `<i>` [x](javascript:alert(1)) | not a table",
			[]string{"&lt;script&gt;", "<code>&lt;i&gt;</code>"}, []string{"<script", "<i>", "javascript:"}},
		{"escaped heading", "# <img src=x onerror=alert(1)>", []string{"&lt;img"}, []string{"<img"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(markdown(tt.src))
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("want %q in\n%s", w, got)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(got, n) {
					t.Errorf("%q must not be in\n%s", n, got)
				}
			}
		})
	}
}

// FuzzMarkdown: whatever the text, the HTML has no tag the renderer does
// not make.
func FuzzMarkdown(f *testing.F) {
	f.Add("# a\n| `b` | c |\n- d [e](f) **g** `h`\n```\ni\n```")
	f.Fuzz(func(t *testing.T, src string) {
		out := string(markdown(src))
		for _, tag := range tagRE.FindAllString(out, -1) {
			if !allowedTag[tag] {
				t.Fatalf("tag %q from %q", tag, src)
			}
		}
	})
}

var tagRE = regexp.MustCompile(`</?[a-zA-Z][a-zA-Z0-9]*`)

var allowedTag = map[string]bool{}

func init() {
	for _, t := range []string{"h1", "h2", "h3", "h4", "h5", "h6", "p", "pre", "code", "ul", "li", "table", "tr", "th", "td", "a", "strong"} {
		allowedTag["<"+t], allowedTag["</"+t] = true, true
	}
}
