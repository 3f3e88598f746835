// encoding.h - base64 (RFC 4648, standard alphabet, padded), lowercase hex
// and a constant-time comparison, for password schemes and SASL codecs.
//
// Pure functions, thread-safe. Decoders return nullopt on malformed input
// (bad characters, wrong padding, length not a multiple of 4).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace saslcheck {

std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);
std::string hex_encode(std::string_view bytes);
// equal_ct - A == B in time that depends only on the lengths (CRYPTO_memcmp).
bool equal_ct(std::string_view a, std::string_view b);
// wipe - overwrite S's bytes (explicit_bzero) before it is freed.
void wipe(std::string& s);

}  // namespace saslcheck
