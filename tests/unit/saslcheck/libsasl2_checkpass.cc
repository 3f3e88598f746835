// libsasl2_checkpass.cc - test driver (not a unit test): checks one login
// through the real Cyrus SASL server API, as Postfix's smtpd does, with
// pwcheck_method authdaemond pointed at a socket.
//
//   libsasl2_checkpass SOCKET USER      (password on stdin, one line)
// Prints "SASL_OK", "SASL_BADAUTH", "SASL_FAIL" or the numeric code, and
// exits 0 / 1 / 2 / 3 accordingly.
#include <sasl/sasl.h>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>

namespace {

const char* g_socket = nullptr;

// getopt - the SASL application's options (smtpd.conf equivalents).
int getopt(void*, const char*, const char* option, const char** result, unsigned* len) {
  if (std::strcmp(option, "pwcheck_method") == 0)
    *result = "authdaemond";
  else if (std::strcmp(option, "authdaemond_path") == 0)
    *result = g_socket;
  else if (std::strcmp(option, "mech_list") == 0)
    *result = "PLAIN LOGIN";
  else
    return SASL_FAIL;
  if (len) *len = static_cast<unsigned>(std::strlen(*result));
  return SASL_OK;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: libsasl2_checkpass SOCKET USER < password\n";
    return 64;
  }
  g_socket = argv[1];
  std::string user = argv[2], password;
  std::getline(std::cin, password);
  static sasl_callback_t callbacks[] = {
      {SASL_CB_GETOPT, reinterpret_cast<int (*)(void)>(reinterpret_cast<void (*)()>(&getopt)), nullptr},
      {SASL_CB_LIST_END, nullptr, nullptr},
  };
  if (sasl_server_init(callbacks, "smtpd") != SASL_OK) {
    std::cerr << "sasl_server_init failed\n";
    return 70;
  }
  sasl_conn_t* conn = nullptr;
  if (sasl_server_new("smtp", "localhost", nullptr, nullptr, nullptr, callbacks, 0, &conn) != SASL_OK) {
    std::cerr << "sasl_server_new failed\n";
    return 70;
  }
  int r = sasl_checkpass(conn, user.data(), static_cast<unsigned>(user.size()), password.data(),
                         static_cast<unsigned>(password.size()));
  sasl_dispose(&conn);
  sasl_done();
  switch (r) {
    case SASL_OK: std::cout << "SASL_OK\n"; return 0;
    case SASL_BADAUTH: std::cout << "SASL_BADAUTH\n"; return 1;
    case SASL_FAIL: std::cout << "SASL_FAIL\n"; return 2;
    default: std::cout << r << "\n"; return 3;
  }
}
