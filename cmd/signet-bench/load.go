package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"sync"
	"time"
)

// target is one prepared HTTP/1.1 request, sent again and again.
type target struct {
	addr string // host:port, loopback
	raw  []byte // the whole request: line, headers, body
}

// newTarget pre-encodes a request so the load loop only writes bytes.
func newTarget(addr, method, path string, headers map[string]string, body []byte) target {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: signet-bench\r\n", method, path, addr)
	for k, v := range headers {
		fmt.Fprintf(&b, "%s: %s\r\n", k, v)
	}
	if body != nil || method == "POST" {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(body))
	}
	b.WriteString("\r\n")
	b.Write(body)
	return target{addr: addr, raw: b.Bytes()}
}

// result is what one load run measured.
type result struct {
	requests  int           // completed with status 200
	errors    int           // other statuses, I/O errors, reconnects
	firstErr  string        // the first error, to say what went wrong
	elapsed   time.Duration // measured window
	latencies []time.Duration
}

func (r result) rate() float64 { return float64(r.requests) / r.elapsed.Seconds() }

// percentile returns the p-th percentile (0-100) of the sorted latencies.
func (r result) percentile(p float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	i := int(float64(len(r.latencies)-1) * p / 100)
	return r.latencies[i]
}

// ioTimeout bounds every read and write, so a stuck server cannot hold the
// tool past its duration by more than this.
const ioTimeout = 10 * time.Second

// run drives t over conns keep-alive connections: warmup first (not
// counted), then duration (measured). Each connection is one goroutine
// writing the pre-encoded request and reading the answer, the lean
// equivalent of wrk's loop: the server under test shares the machine, so
// every cycle spent here is one it does not get.
func run(t target, conns int, warmup, duration time.Duration) result {
	return runWith(conns, warmup, duration, func(measureFrom, stop time.Time) result {
		return loop(t, measureFrom, stop)
	})
}

// runWith runs conns copies of one connection's loop (which must return
// by stop) and merges what they measured.
func runWith(conns int, warmup, duration time.Duration, connLoop func(measureFrom, stop time.Time) result) result {
	start := time.Now()
	measureFrom := start.Add(warmup)
	stop := measureFrom.Add(duration)
	per := make([]result, conns)
	var wg sync.WaitGroup
	for i := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			per[i] = connLoop(measureFrom, stop)
		}()
	}
	wg.Wait()
	var total result
	for _, r := range per {
		total.requests += r.requests
		total.errors += r.errors
		if total.firstErr == "" {
			total.firstErr = r.firstErr
		}
		total.latencies = append(total.latencies, r.latencies...)
	}
	total.elapsed = duration
	slices.Sort(total.latencies)
	return total
}

// loop is one connection's work until stop: t's pre-encoded request,
// counted when the answer is 200.
func loop(t target, measureFrom, stop time.Time) result {
	dial := func() (net.Conn, error) { return net.DialTimeout("tcp", t.addr, ioTimeout) }
	return runConn(dial, measureFrom, stop, 1<<16, func(conn net.Conn, br *bufio.Reader, start time.Time) error {
		if err := conn.SetDeadline(start.Add(ioTimeout)); err != nil {
			return err
		}
		if _, err := conn.Write(t.raw); err != nil {
			return err
		}
		return wantStatus(br, 200, "")
	})
}

// A round is one unit of a load's work on a connection, begun at start:
// it writes its request(s) and reads the answer(s). An error closes the
// connection (the next round dials again) and counts, except a
// statusError for an answer that ended outside the measured window.
type round func(conn net.Conn, br *bufio.Reader, start time.Time) error

// statusError is an answer with the wrong status.
type statusError struct {
	what   string
	status int
}

func (e statusError) Error() string { return fmt.Sprintf("%sHTTP status %d", e.what, e.status) }

// wantStatus reads one answer and fails unless its status is want; what
// prefixes the error ("PAR: ").
func wantStatus(br *bufio.Reader, want int, what string) error {
	status, err := readResponse(br)
	if err != nil {
		return err
	}
	if status != want {
		return statusError{what, status}
	}
	return nil
}

// runConn runs rounds on one keep-alive connection until stop and
// measures those that end between measureFrom and stop, from start to
// the end of the round. capHint sizes the latency buffer.
func runConn(dial func() (net.Conn, error), measureFrom, stop time.Time, capHint int, r round) result {
	var res result
	res.latencies = make([]time.Duration, 0, capHint)
	var conn net.Conn
	var br *bufio.Reader
	for {
		now := time.Now()
		if !now.Before(stop) {
			break
		}
		if conn == nil {
			c, err := dial()
			if err != nil {
				res.fail(err)
				time.Sleep(10 * time.Millisecond) // do not spin on a refused port
				continue
			}
			conn, br = c, bufio.NewReaderSize(c, 32<<10)
		}
		err := r(conn, br, now)
		done := time.Now()
		measured := !done.Before(measureFrom) && !done.After(stop)
		var se statusError
		switch {
		case errors.As(err, &se) && !measured:
		case err != nil:
			res.fail(err)
			_ = conn.Close() // already failed and counted; the next round dials again
			conn = nil
		case measured:
			res.requests++
			res.latencies = append(res.latencies, done.Sub(now))
		}
	}
	if conn != nil {
		_ = conn.Close() // the load is over; its answers are counted
	}
	return res
}

// fail counts an error and keeps the first one's text.
func (r *result) fail(err error) {
	if r.firstErr == "" {
		r.firstErr = err.Error()
	}
	r.errors++
}

var errMalformed = errors.New("malformed HTTP response")

// readResponse reads one HTTP/1.1 response and returns its status. It
// understands what a Go or Node server sends: Content-Length or chunked.
func readResponse(br *bufio.Reader) (int, error) {
	status, _, err := readResponseBody(br, nil, false)
	return status, err
}

// readResponseBody is readResponse that, with keep, appends the body to
// dst (reusing its storage) and returns it.
func readResponseBody(br *bufio.Reader, dst []byte, keep bool) (int, []byte, error) {
	line, err := br.ReadSlice('\n')
	if err != nil {
		return 0, nil, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.1 ")) {
		return 0, nil, errMalformed
	}
	status, err := strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, nil, errMalformed
	}
	length, chunked := -1, false
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return 0, nil, err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return 0, nil, errMalformed
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = strconv.Atoi(string(value)); err != nil {
				return 0, nil, errMalformed
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(value, []byte("chunked"))
		}
	}
	dst = dst[:0]
	switch {
	case chunked && keep:
		dst, err = readChunked(br, dst)
		return status, dst, err
	case chunked:
		return status, nil, skipChunked(br)
	case length >= 0 && keep:
		if length > maxKeptBody {
			return 0, nil, errors.New("response body too large to keep")
		}
		dst = slices.Grow(dst, length)[:length]
		_, err := io.ReadFull(br, dst)
		return status, dst, err
	case length >= 0:
		_, err := br.Discard(length)
		return status, nil, err
	}
	return 0, nil, errors.New("response without length (connection-close bodies are not supported)")
}

// maxKeptBody bounds a body readResponseBody keeps.
const maxKeptBody = 1 << 20

// readChunked appends a chunked body to dst (RFC 9112 §7.1).
func readChunked(br *bufio.Reader, dst []byte) ([]byte, error) {
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return dst, err
		}
		size, _, _ := bytes.Cut(bytes.TrimRight(line, "\r\n"), []byte(";"))
		n, err := strconv.ParseInt(string(size), 16, 64)
		if err != nil || n < 0 || int64(len(dst))+n > maxKeptBody {
			return dst, errMalformed
		}
		if n == 0 {
			for { // trailers, then the empty line
				line, err := br.ReadSlice('\n')
				if err != nil {
					return dst, err
				}
				if len(bytes.TrimRight(line, "\r\n")) == 0 {
					return dst, nil
				}
			}
		}
		at := len(dst)
		dst = slices.Grow(dst, int(n))[:at+int(n)]
		if _, err := io.ReadFull(br, dst[at:]); err != nil {
			return dst, err
		}
		if _, err := br.Discard(2); err != nil {
			return dst, err
		}
	}
}

// skipChunked discards a chunked body (RFC 9112 §7.1).
func skipChunked(br *bufio.Reader) error {
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return err
		}
		size, _, _ := bytes.Cut(bytes.TrimRight(line, "\r\n"), []byte(";"))
		n, err := strconv.ParseInt(string(size), 16, 64)
		if err != nil {
			return errMalformed
		}
		if n == 0 {
			for { // trailers, then the empty line
				line, err := br.ReadSlice('\n')
				if err != nil {
					return err
				}
				if len(bytes.TrimRight(line, "\r\n")) == 0 {
					return nil
				}
			}
		}
		if _, err := br.Discard(int(n) + 2); err != nil {
			return err
		}
	}
}
