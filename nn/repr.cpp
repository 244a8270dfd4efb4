// Printing modules as PyTorch does (torch.nn.Module.__repr__), a summary with parameter counts, and
// Python's spelling of the values that extra_repr() shows.
#include <charconv>
#include <cmath>
#include <sstream>

#include "muse/nn/module.h"

namespace muse::nn {

namespace {

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  if (text.empty()) return lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Every line but the first indented by two spaces (PyTorch's _addindent).
std::string indent_rest(const std::string& text) {
  std::string out;
  for (char c : text) out += c == '\n' ? std::string("\n  ") : std::string(1, c);
  return out;
}

// 1234567 -> "1,234,567"
std::string with_commas(int64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

int64_t count(const std::vector<Tensor>& tensors, bool trainable_only) {
  int64_t n = 0;
  for (const Tensor& t : tensors)
    if (!trainable_only || t.requires_grad()) n += t.numel();
  return n;
}

// One line of a summary: its text and, on the first line of a submodule, that submodule's count.
struct SummaryLine {
  std::string text;
  int64_t params = -1;
};

void summary_lines(const Module& m, const std::string& indent, const std::string& head, bool root,
                   std::vector<SummaryLine>& lines) {
  int64_t params = root ? -1 : count(m.parameters(), false);
  std::vector<std::string> extra = split_lines(m.extra_repr());
  auto children = m.named_children();
  if (children.empty()) {
    std::string args;
    for (const std::string& e : extra) args += (args.empty() ? "" : ", ") + e;
    lines.push_back({indent + head + m.name() + "(" + args + ")", params});
    return;
  }
  lines.push_back({indent + head + m.name() + "(", params});
  for (const std::string& e : extra) lines.push_back({indent + "  " + e});
  for (const auto& [name, child] : children) summary_lines(*child, indent + "  ", "(" + name + "): ", false, lines);
  lines.push_back({indent + ")"});
}

}  // namespace

std::string repr(const Module& module) {
  std::vector<std::string> lines = split_lines(module.extra_repr());
  size_t extra_lines = lines.size();
  for (const auto& [name, child] : module.named_children())
    lines.push_back("(" + name + "): " + indent_rest(repr(*child)));
  std::string out = module.name() + "(";
  if (extra_lines == 1 && lines.size() == 1) return out + lines[0] + ")";
  if (lines.empty()) return out + ")";
  for (const std::string& line : lines) out += "\n  " + line;
  return out + "\n)";
}

std::ostream& operator<<(std::ostream& out, const Module& module) { return out << repr(module); }

std::string Module::summary() const {
  std::vector<SummaryLine> lines;
  summary_lines(*this, "", "", true, lines);
  size_t width = 0, count_width = 0;
  for (const SummaryLine& l : lines) {
    width = std::max(width, l.text.size());
    if (l.params >= 0) count_width = std::max(count_width, with_commas(l.params).size());
  }
  std::string out;
  for (const SummaryLine& l : lines) {
    out += l.text;
    if (l.params >= 0) {
      std::string n = with_commas(l.params);
      out += std::string(width - l.text.size() + 2 + count_width - n.size(), ' ') + n;
    }
    out += '\n';
  }
  std::vector<Tensor> params = parameters();
  int64_t total = count(params, false), trainable = count(params, true);
  out += "Total params: " + with_commas(total) + "\n";
  out += "Trainable params: " + with_commas(trainable) + "\n";
  out += "Non-trainable params: " + with_commas(total - trainable) + "\n";
  return out;
}

// Python's repr of a float: the shortest digits that read back exactly, positional when the decimal
// exponent is in [-4, 16) (with ".0" on whole numbers), else scientific with a two-digit exponent.
std::string format_float(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char buf[64];
  char* end = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::scientific).ptr;
  std::string scientific(buf, end);
  int exponent = std::stoi(scientific.substr(scientific.find('e') + 1));
  if (exponent < -4 || exponent >= 16) return scientific;
  end = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::fixed).ptr;
  std::string fixed(buf, end);
  return fixed.find('.') == std::string::npos ? fixed + ".0" : fixed;
}

std::string format_bool(bool value) { return value ? "True" : "False"; }

std::string format_sizes(const Shape& shape) {
  std::string out = "[";
  for (int64_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
  return out + "]";
}

}  // namespace muse::nn
