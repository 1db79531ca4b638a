// libcoap 4.3 (Debian libcoap3-dev, no TLS) for the host-side interop tests, and two helpers that
// are awkward from Swift: a client session to an IPv4/IPv6 literal, and an option's uint value.
#pragma once
#include <coap3/coap.h>
#include <arpa/inet.h>
#include <string.h>

static inline coap_session_t *levee_coap_client_session(coap_context_t *context, const char *host, uint16_t port) {
    coap_address_t destination;
    coap_address_init(&destination);
    if (inet_pton(AF_INET, host, &destination.addr.sin.sin_addr) == 1) {
        destination.addr.sin.sin_family = AF_INET;
        destination.addr.sin.sin_port = htons(port);
        destination.size = sizeof(struct sockaddr_in);
    } else if (inet_pton(AF_INET6, host, &destination.addr.sin6.sin6_addr) == 1) {
        destination.addr.sin6.sin6_family = AF_INET6;
        destination.addr.sin6.sin6_port = htons(port);
        destination.size = sizeof(struct sockaddr_in6);
    } else {
        return NULL;
    }
    return coap_new_client_session(context, NULL, &destination, COAP_PROTO_UDP);
}

/// The value of option `number` in `pdu` as an unsigned integer, or -1 when absent.
static inline long long levee_coap_option_uint(const coap_pdu_t *pdu, uint16_t number) {
    coap_opt_iterator_t iterator;
    coap_opt_t *option = coap_check_option(pdu, number, &iterator);
    if (!option) return -1;
    return (long long)coap_decode_var_bytes(coap_opt_value(option), coap_opt_length(option));
}
