// fmt_static.cc - libfmt's out-of-line code compiled into the vdelivery
// executable. Debian ships libfmt only as a shared library, and libfmt.so
// pulls in libstdc++.so: loading and relocating those two was the largest
// part of vdelivery's start-up, paid once per delivery (pipe(8) starts it per
// message). With these definitions in the program, --as-needed drops
// libfmt.so; libstdc++ is linked statically already (meson.build).
// Only for the executable: the static library and the tests keep libfmt.so.
// Matches libfmt-dev 9.1 (Debian 12): the explicit instantiations that
// libfmt's own src/format.cc provides for char.
#include <fmt/format-inl.h>

FMT_BEGIN_NAMESPACE
namespace detail {

template FMT_API auto dragonbox::to_decimal(float x) noexcept -> dragonbox::decimal_fp<float>;
template FMT_API auto dragonbox::to_decimal(double x) noexcept -> dragonbox::decimal_fp<double>;
template FMT_API locale_ref::locale_ref(const std::locale& loc);
template FMT_API auto locale_ref::get<std::locale>() const -> std::locale;
template FMT_API auto thousands_sep_impl(locale_ref) -> thousands_sep_result<char>;
template FMT_API auto decimal_point_impl(locale_ref) -> char;
template FMT_API void buffer<char>::append(const char*, const char*);
template FMT_API void vformat_to(buffer<char>&, string_view, basic_format_args<FMT_BUFFER_CONTEXT(char)>,
                                 locale_ref);

}  // namespace detail
FMT_END_NAMESPACE
