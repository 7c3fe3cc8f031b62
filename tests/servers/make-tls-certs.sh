#!/bin/sh
# make-tls-certs.sh DIR: the certificates of the SIP over TLS tests
# (tests/test-tls.c, tests/nat/test-nat-tls.sh), made with openssl at run
# time in DIR:
#
#   ca.pem              a private test CA (the registration's tls_ca_file)
#   good.{pem,key}      for 127.0.0.1 (CN and IP subjectAltName, no DNS
#                       one: Sofia matches an IP address in the CN only,
#                       GIO in an IP SAN only); valid now
#   wrongname.{pem,key} for wrong.example only
#   expired.{pem,key}   for 127.0.0.1 and 203.0.113.10, expired in 2020
#   unknownca.{pem,key} for 127.0.0.1 and 203.0.113.10, from another CA
#   lab.{pem,key}       for the NAT lab's registrar 203.0.113.10 only
#   ipdns.{pem,key}     for 127.0.0.1 (IP SAN, CN) and localhost (DNS SAN):
#                       GIO accepts it for 127.0.0.1, Sofia does not
#
# SPDX-License-Identifier: LGPL-2.1-or-later
set -eu

dir=$1
mkdir -p "$dir"
cd "$dir"

ossl() {
  openssl "$@" >/dev/null 2>openssl.err || { cat openssl.err >&2; exit 1; }
}

make_ca() {
  ossl req -x509 -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.pem" -days 30 \
    -subj "/CN=libsipnat test $1" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
}

cat > ca.cnf <<'CNF'
[ca]
default_ca = test
[test]
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = any
copy_extensions = copy
unique_subject = no
[any]
commonName = supplied
CNF
: > index.txt
echo 1000 > serial

# leaf NAME CA CN SUBJECT-ALT-NAMES START END
leaf() {
  ossl req -new -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "/CN=$3" \
    -addext "subjectAltName=$4" -addext "basicConstraints=CA:FALSE" \
    -addext "extendedKeyUsage=serverAuth"
  ossl ca -batch -config ca.cnf -cert "$2.pem" -keyfile "$2.key" -in "$1.csr" -out "$1.pem" \
    -notext -startdate "$5" -enddate "$6"
}

now=$(date -u -d '-1 day' +%Y%m%d%H%M%SZ)
later=$(date -u -d '+30 days' +%Y%m%d%H%M%SZ)
ips="IP:127.0.0.1,IP:203.0.113.10"

make_ca ca
make_ca otherca
leaf good ca 127.0.0.1 "$ips" "$now" "$later"
leaf wrongname ca wrong.example "DNS:wrong.example" "$now" "$later"
leaf expired ca 127.0.0.1 "$ips" 20200101000000Z 20200201000000Z
leaf lab ca 203.0.113.10 "IP:203.0.113.10" "$now" "$later"
leaf ipdns ca 127.0.0.1 "IP:127.0.0.1,DNS:localhost" "$now" "$later"
leaf unknownca otherca 127.0.0.1 "$ips" "$now" "$later"
