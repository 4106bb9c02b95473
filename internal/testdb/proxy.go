package testdb

import (
	"net"
	"net/url"
	"sync"
	"testing"
)

// Proxy is a TCP proxy on 127.0.0.1 in front of a database server, which a
// test can make look frozen (Pause: connections are accepted and kept, but
// nothing is forwarded, as with a SIGSTOPped server) or stopped (Refuse:
// every connection is closed at once) and then bring back (Resume). It
// stops when the test ends.
type Proxy struct {
	ln     net.Listener
	target string

	mu      sync.Mutex
	flowing chan struct{} // closed while forwarding; open (waited on) while paused
	refuse  bool
	closed  bool
	conns   map[net.Conn]struct{}
	accepts int
}

// NewProxy starts a proxy to target (host:port), forwarding.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{ln: ln, target: target, flowing: make(chan struct{}), conns: map[net.Conn]struct{}{}}
	close(p.flowing)
	go p.serve()
	t.Cleanup(p.close)
	return p
}

// ProxyURL starts a Proxy to the server of the Postgres URL dsn and returns
// it with dsn pointed at it.
func ProxyURL(t testing.TB, dsn string) (*Proxy, string) {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	p := NewProxy(t, u.Host)
	u.Host = p.Addr()
	return p, u.String()
}

// Addr is the proxy's host:port.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Pause stops forwarding in both directions, on open connections and on
// those accepted from now on, until Resume.
func (p *Proxy) Pause() {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.flowing:
		p.flowing = make(chan struct{})
	default: // already paused
	}
}

// Refuse closes open connections and every new one at once, until Resume.
func (p *Proxy) Refuse() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.refuse = true
	for c := range p.conns {
		c.Close()
	}
}

// Resume forwards again.
func (p *Proxy) Resume() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.refuse = false
	select {
	case <-p.flowing:
	default:
		close(p.flowing)
	}
}

// Accepts counts the connections accepted so far (refused ones included).
func (p *Proxy) Accepts() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.accepts
}

func (p *Proxy) close() {
	p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	for c := range p.conns {
		c.Close()
	}
	select {
	case <-p.flowing:
	default:
		close(p.flowing) // release copiers waiting on a pause
	}
}

func (p *Proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		p.accepts++
		if p.refuse || p.closed {
			p.mu.Unlock()
			c.Close()
			continue
		}
		p.conns[c] = struct{}{}
		p.mu.Unlock()
		go p.forward(c)
	}
}

// forward connects c to the target once forwarding is on, then copies
// both ways, each chunk waiting while the proxy is paused.
func (p *Proxy) forward(c net.Conn) {
	defer p.drop(c)
	p.wait()
	s, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	defer p.drop(s)
	if !p.track(s) {
		return
	}
	done := make(chan struct{}, 2)
	go func() { p.copy(s, c); done <- struct{}{} }()
	go func() { p.copy(c, s); done <- struct{}{} }()
	<-done // one side ended: drop both, which ends the other
}

func (p *Proxy) copy(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.wait()
			if _, err := dst.Write(buf[:n]); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (p *Proxy) wait() {
	p.mu.Lock()
	ch := p.flowing
	p.mu.Unlock()
	<-ch
}

func (p *Proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.refuse || p.closed {
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *Proxy) drop(c net.Conn) {
	c.Close()
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
}
