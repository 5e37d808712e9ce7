"""A small tokenizer and precedence-climbing parser for formula strings.

The grammar is ours, not Python's: nothing a user types ever reaches ``eval``, ``exec`` or SymPy's
string parser. Every input is bounded before any work is done on it (length, nesting depth, node
count, number size), and every rejection is one :class:`ActlabError` line naming the problem and
its position (1-based character index)::

    spec      := expr [";" assign ("," assign)*]
    assign    := NAME "=" ["-"] NUMBER
    expr      := sum [("<" | "<=" | ">" | ">=") sum]      (a comparison: only inside where())
    sum       := product (("+" | "-") product)*
    product   := unary (("*" | "/") unary)*
    unary     := "-" unary | "+" unary | power
    power     := atom [("^" | "**") unary]                  (right-associative: 2^-x, x^2^3)
    atom      := NUMBER | NAME | NAME "(" args ")" | "(" expr ")"
    args      := arg ("," arg)*          arg := expr | NAME "=" expr
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from actlab.errors import ActlabError

#: the longest formula accepted, in characters
MAX_LENGTH = 500
#: the deepest nesting of parentheses, calls, unary signs and powers
MAX_DEPTH = 40
#: the most kinks (max/min with k arguments counting k - 1, abs, where, sign) one path of
#: the tree may pass through: nested 7 deep a formula took seconds to build, 11 two minutes
MAX_KINKS = 6
_KINKED = frozenset({"abs", "where", "sign", "heaviside", "max", "min"})
#: the most nodes (numbers, names, operators, calls) in one formula
MAX_NODES = 250
#: the largest magnitude a number literal may have
MAX_NUMBER = 1e15
#: the most characters in one number literal
MAX_NUMBER_CHARS = 24

_TOKEN = re.compile(
    r"(?P<space>[ \t]+)"
    r"|(?P<number>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>\*\*|<=|>=|[-+*/^(),<>=;])"
)
_COMPARISONS = ("<", "<=", ">", ">=")


@dataclass(frozen=True)
class Token:
    kind: str  # "number", "name", "op" or "end"
    text: str
    pos: int  # 1-based character index


@dataclass(frozen=True)
class Node:
    """A parse-tree node. ``kind`` says which fields are used.

    - ``"num"``: ``value`` (the literal's text)
    - ``"name"``: ``value`` (an identifier: x, a constant or a parameter)
    - ``"neg"``: ``args = (operand,)``
    - ``"bin"``: ``value`` in ``+ - * / ^``, ``args = (left, right)``
    - ``"cmp"``: ``value`` in ``< <= > >=``, ``args = (left, right)``
    - ``"call"``: ``value`` (function name), ``args`` (positional), ``kwargs`` ((name, node), ...)
    """

    kind: str
    value: str
    pos: int
    args: tuple[Node, ...] = ()
    kwargs: tuple[tuple[str, Node], ...] = ()


@dataclass(frozen=True)
class Parsed:
    """A parsed spec: the expression tree, its text, and the parameter values after ';'."""

    tree: Node
    #: the expression part of the spec, whitespace-normalised
    text: str
    params: dict[str, float]


def fail(problem: str, pos: int, hint: str = "") -> ActlabError:
    """The one-line error every rejection uses."""
    return ActlabError(f"formula: {problem} at position {pos}" + (f"; {hint}" if hint else ""))


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens; reject anything outside the grammar's alphabet."""
    if not isinstance(text, str):
        raise ActlabError(f"formula: must be a string, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise fail(f"too long ({len(text)} characters, at most {MAX_LENGTH})", MAX_LENGTH + 1)
    tokens: list[Token] = []
    i = 0
    while i < len(text):
        match = _TOKEN.match(text, i)
        if match is None:
            ch = text[i]
            raise fail(f"unexpected character {ch!r} (U+{ord(ch):04X})", i + 1)
        kind = match.lastgroup or "op"
        if kind != "space":
            tokens.append(Token(kind, match.group(), i + 1))
        i = match.end()
    tokens.append(Token("end", "", len(text) + 1))
    return tokens


def _kinks(node: Node) -> tuple[int, int]:
    """The most kinks on one path from ``node`` down, and where the deepest path starts."""
    below = [_kinks(n) for n in (*node.args, *(n for _, n in node.kwargs))]
    most, pos = max(below, default=(0, node.pos))
    if node.kind == "call" and node.value in _KINKED:
        return most + max(len(node.args) - 1, 1), node.pos
    return most, pos


def parse(spec: str) -> Parsed:
    """Parse a formula spec such as ``"x*sigmoid(b*x); b=1.5"``.

    >>> parse("x*sigmoid(b*x); b=1.5").params
    {'b': 1.5}
    """
    tokens = tokenize(spec)
    parser = _Parser(tokens)
    tree = parser.expression(0)
    params: dict[str, float] = {}
    if parser.peek().text == ";":
        parser.take()
        params = parser.assignments()
    end = parser.peek()
    if end.kind != "end":
        raise fail(f"unexpected {_describe(end)}", end.pos)
    if not any(t.kind == "name" and t.text == "x" for t in tokens):
        raise fail("a formula must use the variable x", 1)
    kinks, pos = _kinks(tree)
    if kinks > MAX_KINKS:
        raise fail(
            f"max/min/abs/where nested {kinks} deep (at most {MAX_KINKS}: each level doubles "
            "the cases of the derivative)",
            pos,
        )
    text = spec.split(";", 1)[0]
    return Parsed(tree, " ".join(text.split()), params)


class _Parser:
    """Precedence climbing over a token list, with depth and node-count caps."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.index = 0
        self.nodes = 0

    def peek(self) -> Token:
        return self.tokens[self.index]

    def take(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def expect(self, text: str) -> Token:
        token = self.take()
        if token.text != text or token.kind == "end":
            raise fail(f"expected {text!r}, found {_describe(token)}", token.pos)
        return token

    def node(self, kind: str, value: str, pos: int, *args: Node, kwargs=()) -> Node:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise fail(f"too many terms (at most {MAX_NODES})", pos)
        return Node(kind, value, pos, tuple(args), tuple(kwargs))

    def check_depth(self, depth: int, pos: int) -> None:
        if depth > MAX_DEPTH:
            raise fail(f"nested too deeply (at most {MAX_DEPTH} levels)", pos)

    def expression(self, depth: int) -> Node:
        left = self.sum(depth)
        token = self.peek()
        if token.text in _COMPARISONS:
            self.take()
            right = self.sum(depth)
            left = self.node("cmp", token.text, token.pos, left, right)
            if self.peek().text in _COMPARISONS:
                raise fail("comparisons cannot be chained", self.peek().pos)
        return left

    def sum(self, depth: int) -> Node:
        left = self.product(depth)
        while self.peek().text in ("+", "-"):
            op = self.take()
            left = self.node("bin", op.text, op.pos, left, self.product(depth))
        return left

    def product(self, depth: int) -> Node:
        left = self.unary(depth)
        while self.peek().text in ("*", "/"):
            op = self.take()
            left = self.node("bin", op.text, op.pos, left, self.unary(depth))
        return left

    def unary(self, depth: int) -> Node:
        token = self.peek()
        self.check_depth(depth, token.pos)
        if token.text in ("-", "+"):
            self.take()
            operand = self.unary(depth + 1)
            return operand if token.text == "+" else self.node("neg", "-", token.pos, operand)
        return self.power(depth)

    def power(self, depth: int) -> Node:
        base = self.atom(depth)
        token = self.peek()
        if token.text in ("^", "**"):
            self.take()
            exponent = self.unary(depth + 1)
            return self.node("bin", "^", token.pos, base, exponent)
        return base

    def atom(self, depth: int) -> Node:
        token = self.take()
        if token.kind == "number":
            return self.number(token)
        if token.kind == "name":
            if self.peek().text == "(":
                return self.call(token, depth)
            return self.node("name", token.text, token.pos)
        if token.text == "(":
            self.check_depth(depth + 1, token.pos)
            inner = self.expression(depth + 1)
            self.expect(")")
            return inner
        raise fail(f"expected a number, x, a name or '(', found {_describe(token)}", token.pos)

    def number(self, token: Token) -> Node:
        literal_value(token)
        following = self.peek()
        if following.kind in ("name", "number") or following.text == "(":
            raise fail(f"expected an operator before {_describe(following)}", following.pos)
        return self.node("num", token.text, token.pos)

    def call(self, name: Token, depth: int) -> Node:
        self.check_depth(depth + 1, name.pos)
        self.expect("(")
        args: list[Node] = []
        kwargs: list[tuple[str, Node]] = []
        while True:
            token = self.peek()
            if token.kind == "name" and self.tokens[self.index + 1].text == "=":
                self.index += 2
                if any(k == token.text for k, _ in kwargs):
                    raise fail(f"argument {token.text!r} given twice", token.pos)
                kwargs.append((token.text, self.expression(depth + 1)))
            elif kwargs:
                raise fail("a positional argument cannot follow a keyword argument", token.pos)
            else:
                args.append(self.expression(depth + 1))
            if self.peek().text != ",":
                break
            self.take()
        self.expect(")")
        return self.node("call", name.text, name.pos, *args, kwargs=kwargs)

    def assignments(self) -> dict[str, float]:
        values: dict[str, float] = {}
        while True:
            name = self.take()
            if name.kind != "name":
                raise fail(f"expected a parameter name, found {_describe(name)}", name.pos)
            self.expect("=")
            sign = -1.0 if self.peek().text == "-" else 1.0
            if sign < 0:
                self.take()
            number = self.take()
            if number.kind != "number":
                raise fail(f"parameter {name.text} needs a number", number.pos)
            literal_value(number)
            if name.text in values:
                raise fail(f"parameter {name.text} given twice", name.pos)
            values[name.text] = sign * float(number.text)
            if self.peek().text not in (",", ";"):
                return values
            self.take()


def literal_value(token: Token) -> Fraction:
    """The exact value of a number literal, after checking its size (no huge powers of ten)."""
    mantissa, _, exponent = token.text.lower().partition("e")
    too_big = fail(
        f"number {token.text[:30]} is out of range (0, or 1e-300 to {MAX_NUMBER:g} in size)",
        token.pos,
    )
    if len(token.text) > MAX_NUMBER_CHARS:  # SELU's 31-digit constant read "out of range"
        raise fail(
            f"number {token.text[:30]}... is too long (at most {MAX_NUMBER_CHARS} characters;"
            " declare it as a parameter after ';' to give more digits)",
            token.pos,
        )
    if exponent and abs(int(exponent)) > 300:
        raise too_big
    value = Fraction(mantissa) * Fraction(10) ** int(exponent or 0)
    if abs(value) > MAX_NUMBER or (value and abs(value) < Fraction(1, 10**300)):
        raise too_big
    return value


def _describe(token: Token) -> str:
    if token.kind == "end":
        return "the end of the formula"
    return f"{token.text!r}"
