package web

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Proxies are the reverse proxies (nginx in front of shequ) whose X-Forwarded-For
// the server believes. The zero value trusts none: the client is the connection's
// peer and the header is ignored, so that a client cannot name itself someone else
// to escape the sign-in limit or to put another address into the audit trail.
//
// Only X-Forwarded-For is read, not the standard Forwarded header: nginx and most
// proxies append to X-Forwarded-For and pass Forwarded through untouched, so a
// Forwarded header would be the client's own claim.
type Proxies struct {
	nets []netip.Prefix
}

// ParseProxies reads a list of proxies, each an IP address or a network in CIDR
// notation, separated by commas or spaces ("10.0.0.1, 192.168.0.0/16"); an empty
// list trusts none. A network with host bits set (10.0.0.1/8) is refused rather
// than widened, as is one holding every address: a typo must not trust the world.
func ParseProxies(list string) (Proxies, error) {
	var p Proxies
	for _, s := range strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
		n, err := parseProxy(s)
		if err != nil {
			return Proxies{}, err
		}
		p.nets = append(p.nets, n)
	}
	return p, nil
}

func parseProxy(s string) (netip.Prefix, error) {
	if !strings.Contains(s, "/") {
		ip, err := netip.ParseAddr(s)
		if err != nil || ip.Zone() != "" {
			return netip.Prefix{}, fmt.Errorf("%q is neither an IP address nor a network such as 192.168.0.0/16", s)
		}
		ip = ip.Unmap()
		return netip.PrefixFrom(ip, ip.BitLen()), nil
	}
	n, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is neither an IP address nor a network such as 192.168.0.0/16", s)
	}
	if n.Bits() == 0 {
		return netip.Prefix{}, fmt.Errorf("%q holds every address: any client could name itself anyone", s)
	}
	if m := n.Masked(); m != n {
		return netip.Prefix{}, fmt.Errorf("%q has bits set past its mask: the network is %s, the single address %s/%d",
			s, m, n.Addr(), n.Addr().BitLen())
	}
	return n, nil
}

// trusts reports whether ip is one of the proxies.
func (p Proxies) trusts(ip netip.Addr) bool {
	for _, n := range p.nets {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}

// Client is the address r came from: the connection's peer, unless that peer is a
// trusted proxy. Then X-Forwarded-For, every such header joined in order, is read
// from the right, where each proxy appended the peer it saw, and the first address
// that is not a trusted proxy is the client; the entries left of it are whatever
// the client sent and are never looked at. If every entry is a proxy, the leftmost
// is. An entry that is not a bare IP address where one must be read means the
// chain cannot be believed, and the answer is the connection's peer.
//
// The answer is an IP address without port, IPv4 written as IPv4 even when it came
// as IPv6; a connection not over IP (a Unix socket, a test's) answers its
// RemoteAddr as it is.
func (p Proxies) Client(r *http.Request) string {
	peer, ok := hostIP(r.RemoteAddr)
	if !ok {
		return peerHost(r.RemoteAddr)
	}
	if !p.trusts(peer) {
		return peer.String()
	}
	header := r.Header.Values("X-Forwarded-For")
	if len(header) == 0 {
		return peer.String() // the proxy itself asked
	}
	client := peer
	entries := strings.Split(strings.Join(header, ","), ",")
	for i := len(entries) - 1; i >= 0; i-- {
		ip, err := netip.ParseAddr(strings.Trim(entries[i], " \t"))
		if err != nil || ip.Zone() != "" {
			return peer.String()
		}
		client = ip.Unmap()
		if !p.trusts(client) {
			break
		}
	}
	return client.String()
}

// Wrap resolves each request's client address once, as Client does, for
// ClientAddr to read downstream: the sign-in limit and the audit trail then count
// and record the same address.
func (p Proxies) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := context.WithValue(r.Context(), clientAddrKey, p.Client(r))
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// ClientAddr returns the address Proxies.Wrap resolved for r; without it, the
// connection's peer, never a forwarding header.
func ClientAddr(r *http.Request) string {
	if addr, ok := r.Context().Value(clientAddrKey).(string); ok {
		return addr
	}
	return Proxies{}.Client(r)
}

// hostIP is the IP of a host:port (or bare host) address, IPv4 unmapped.
func hostIP(addr string) (netip.Addr, bool) {
	ip, err := netip.ParseAddr(peerHost(addr))
	if err != nil {
		return netip.Addr{}, false
	}
	return ip.Unmap(), true
}

// peerHost is addr without its port, or addr when it has none.
func peerHost(addr string) string {
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return addr
}
