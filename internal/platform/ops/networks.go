package ops

import (
	"fmt"
	"net/netip"
	"strings"
)

// Networks are the addresses that may read the metrics. The zero value is loopback
// only (127.0.0.0/8 and ::1): a Prometheus on the server itself, or one that
// reaches it through an SSH tunnel.
type Networks struct {
	nets []netip.Prefix
}

var loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}

// ParseNetworks reads a list of IP addresses and CIDR networks separated by commas
// or spaces ("10.20.0.5, 10.30.0.0/24"); an empty list is loopback only. Loopback
// is not added to a list that is given: the list says exactly who. A network with
// host bits set (10.0.0.1/8) is refused rather than widened.
func ParseNetworks(list string) (Networks, error) {
	var n Networks
	for _, s := range strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
		p, err := parseNetwork(s)
		if err != nil {
			return Networks{}, err
		}
		n.nets = append(n.nets, p)
	}
	return n, nil
}

func parseNetwork(s string) (netip.Prefix, error) {
	if !strings.Contains(s, "/") {
		ip, err := netip.ParseAddr(s)
		if err != nil || ip.Zone() != "" {
			return netip.Prefix{}, fmt.Errorf("%q is neither an IP address nor a network such as 10.30.0.0/24", s)
		}
		ip = ip.Unmap()
		return netip.PrefixFrom(ip, ip.BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is neither an IP address nor a network such as 10.30.0.0/24", s)
	}
	if m := p.Masked(); m != p {
		return netip.Prefix{}, fmt.Errorf("%q has bits set past its mask: the network is %s, the single address %s/%d",
			s, m, p.Addr(), p.Addr().BitLen())
	}
	return p, nil
}

// Allow reports whether addr, an IP address as web.ClientAddr gives it, is in the
// networks. Anything that is not an IP address is refused.
func (n Networks) Allow(addr string) bool {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	ip = ip.Unmap()
	nets := n.nets
	if len(nets) == 0 {
		nets = loopback
	}
	for _, p := range nets {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// String lists the networks, as ParseNetworks reads them.
func (n Networks) String() string {
	nets := n.nets
	if len(nets) == 0 {
		nets = loopback
	}
	s := make([]string, len(nets))
	for i, p := range nets {
		s[i] = p.String()
	}
	return strings.Join(s, ", ")
}
