"""Realistic plans with the signals a reader would take from them (tests and bench/signals_bench).

Shorthand: ``S("NVDA", "bullish", E(945), T(960), X(938))``; E entry, T target, X stop,
SU support, R resistance; two numbers make a range.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from coachplans.domain.signals import Bias, Level, LevelKind, Signal


@dataclass(frozen=True)
class Case:
    text: str
    expected: tuple[Signal, ...]


def S(ticker: str, bias: str = "neutral", *levels: Level) -> Signal:
    return Signal(ticker, Bias(bias), tuple(levels))


def _level(kind: LevelKind, low: float, high: float | None) -> Level:
    return Level(kind, low, high)


def E(low: float, high: float | None = None) -> Level:
    return _level(LevelKind.ENTRY, low, high)


def T(low: float, high: float | None = None) -> Level:
    return _level(LevelKind.TARGET, low, high)


def X(low: float, high: float | None = None) -> Level:
    return _level(LevelKind.STOP, low, high)


def SU(low: float, high: float | None = None) -> Level:
    return _level(LevelKind.SUPPORT, low, high)


def R(low: float, high: float | None = None) -> Level:
    return _level(LevelKind.RESISTANCE, low, high)


def C(text: str, *expected: Signal) -> Case:
    return Case(text, expected)


CORPUS: list[Case] = [
    # -- the mock plans' styles (src/coachplans/mock/data.py) ---------------------------
    C(
        "Day trading plan 2026-01-06 🎯\n\n"
        "$AMD short below 147.51, PT 143.97, SL 149.28\n"
        "$NVDA long above 937.05, PT 959.53, SL 925.81\n\n"
        "Size down into the open; no new entries after 11:30 ET.",
        S("AMD", "bearish", E(147.51), T(143.97), X(149.28)),
        S("NVDA", "bullish", E(937.05), T(959.53), X(925.81)),
    ),
    C(
        "Day trading plan 2026-01-05 🎯\n\n"
        "$TSLA short below 235.22, PT 229.58, SL 238.04\n"
        "$SMCI short below 40.04, PT 39.08, SL 40.52\n\n"
        "Size down into the open; no new entries after 11:30 ET.",
        S("TSLA", "bearish", E(235.22), T(229.58), X(238.04)),
        S("SMCI", "bearish", E(40.04), T(39.08), X(40.52)),
    ),
    C(
        "Intraday levels for Monday Jan 05:\n"
        "• SPY support 607.94-609.16\n• SPY resistance 612.82-614.28\n"
        "• QQQ support 477.36-478.32\n• QQQ resistance 481.20-482.35\n\n"
        "Bias: bullish over VWAP. Fade the first push into resistance, scale at midpoint.",
        S("SPY", "neutral", SU(607.94, 609.16), R(612.82, 614.28)),
        S("QQQ", "neutral", SU(477.36, 478.32), R(481.20, 482.35)),
    ),
    C(
        "Swing idea (3-10 days): $MSFT\n"
        "- Entry zone 391.98-395.96 on a pullback to the 20 EMA\n"
        "- Target 1 413.87, target 2 429.79\n"
        "- Stop 382.03 on a daily close\n"
        "Holding last week's position in $IWM; trail stop to breakeven.",
        S("MSFT", "neutral", E(391.98, 395.96), T(413.87), T(429.79), X(382.03)),
        S("IWM"),
    ),
    C(
        "Swing idea (3-10 days): $BTC-USD\n"
        "- Entry zone 66,245-66,918 on a pullback to the 20 EMA\n"
        "- Target 1 69,940, target 2 72,630\n"
        "- Stop 64,560 on a daily close\n"
        "Holding last week's position in $QQQ; trail stop to breakeven.",
        S("BTC-USD", "neutral", E(66245, 66918), T(69940), T(72630), X(64560)),
        S("QQQ"),
    ),
    C(
        "📰 Events for 2026-01-05\n- Initial jobless claims at 8:30 ET\n- NFP at 8:30 ET\n"
        "- Earnings after the close: ORCL, MU, COST\n\n"
        "Expect IV crush on the reporters; no positions into the prints.",
        S("ORCL"),
        S("MU"),
        S("COST"),
    ),
    C(
        "📰 Events for 2026-01-06\n- Retail sales at 8:30 ET\n- ISM services at 10:00 ET\n"
        "- Earnings after the close: NVDA, AVGO, CRM\n\n"
        "Expect IV crush on the reporters; no positions into the prints.",
        S("NVDA"),
        S("AVGO"),
        S("CRM"),
    ),
    # -- day-trading levels ---------------------------------------------------------------
    C("$NVDA long above 945, PT 960, SL 938", S("NVDA", "bullish", E(945), T(960), X(938))),
    C(
        "$nvda calls above 945 🚀 PT 960/975, stop 938",
        S("NVDA", "bullish", E(945), T(960), T(975), X(938)),
    ),
    C(
        "$tsla puts under 240. target 232, stop loss 244.50",
        S("TSLA", "bearish", E(240), T(232), X(244.50)),
    ),
    C(
        "META: buy zone 580-583, T1 595, T2 602, SL 574",
        S("META", "bullish", E(580, 583), T(595), T(602), X(574)),
    ),
    C(
        "AAPL bearish below 226. PT 222, SL 228",
        S("AAPL", "bearish", E(226), T(222), X(228)),
    ),
    C(
        "Watching $PLTR for a breakout over 42.50, target 44, stop 41.20",
        S("PLTR", "bullish", E(42.50), T(44), X(41.20)),
    ),
    C(
        "Short $SMCI below 38 with TP 36.5 and SL 39.1",
        S("SMCI", "bearish", E(38), T(36.5), X(39.1)),
    ),
    C(
        "$AMD entry 158, PT 164, SL 155. Earnings run-up play, size small.",
        S("AMD", "bullish", E(158), T(164), X(155)),
    ),
    C(
        "GM traders! $COIN long above 205 🎯 212 🛑 201",
        S("COIN", "bullish", E(205), T(212), X(201)),
    ),
    C(
        "$MSFT fade 425-428 into resistance, target 418, stop above 430",
        S("MSFT", "bearish", E(425, 428), T(418), X(430)),
    ),
    C(
        "$AMZN support 184, resistance 189. Above 189 calls, below 184 puts.",
        S("AMZN", "neutral", SU(184), R(189), E(189), E(184)),
    ),
    # -- options contracts ------------------------------------------------------------------
    C(
        "NVDA 950C 11/15 — buying calls above 945, PT 960, SL 938",
        S("NVDA", "bullish", E(945), T(960), X(938)),
    ),
    C("SPY 590P 12/20 for the CPI print, bearish under 588", S("SPY", "bearish", E(588))),
    C(
        "TSLA 250C 11/22 lotto. Only if it reclaims 245. PT 255",
        S("TSLA", "bullish", E(245), T(255)),
    ),
    C(
        "Selling puts on $AAPL 220P 12/20, support 222",
        S("AAPL", "bullish", SU(222)),
    ),
    C("QQQ 500P 11/15 buy puts below 502, target 495", S("QQQ", "bearish", E(502), T(495))),
    # -- crypto pairs ---------------------------------------------------------------------
    C(
        "BTC-USD support 67,000-67,500, resistance 68,250. Bullish while above 67,000.",
        S("BTC-USD", "bullish", SU(67000, 67500), R(68250), E(67000)),
    ),
    C(
        "ETH-USD long 3,420, target 3,600, stop 3,350",
        S("ETH-USD", "bullish", E(3420), T(3600), X(3350)),
    ),
    C(
        "$btc looks heavy, short below 66,800 PT 65,000",
        S("BTC-USD", "bearish", E(66800), T(65000)),
    ),
    C(
        "Crypto check: BTC-USD ranging 66,000 - 68,000, ETH-USD bearish below 3,300",
        S("BTC-USD"),
        S("ETH-USD", "bearish", E(3300)),
    ),
    C(
        "$SOL breakout above 180, tgt 195 / 205, invalidation 170",
        S("SOL-USD", "bullish", E(180), T(195), T(205), X(170)),
    ),
    # -- index futures --------------------------------------------------------------------
    C(
        "/ES 5,850 support, 5,900 resistance; SPX bearish under 5800",
        S("ES", "neutral", SU(5850), R(5900)),
        S("SPX", "bearish", E(5800)),
    ),
    C(
        "ES long above 5,875 targeting 5,910, stop 5,860",
        S("ES", "bullish", E(5875), T(5910), X(5860)),
    ),
    C(
        "NQ resistance 20,850-20,900, support 20,600. Fading rips into resistance.",
        S("NQ", "bearish", R(20850, 20900), SU(20600)),
    ),
    C(
        "/NQ short 20,900 SL 20,960 PT 20,700",
        S("NQ", "bearish", E(20900), X(20960), T(20700)),
    ),
    C(
        "SPX levels: 5,800 support, 5,850 resistance, 5,900 resistance",
        S("SPX", "neutral", SU(5800), R(5850), R(5900)),
    ),
    C(
        "NDX held 20,500 support again. Bullish into the close, T1 20,700",
        S("NDX", "bullish", SU(20500), T(20700)),
    ),
    # -- macro notes, no tickers ------------------------------------------------------------
    C("CPI at 8:30 ET, FOMC minutes at 2 PM. No trades before the print."),
    C("PPI hot, YOY 2.4%. GDP revision Thursday. Sitting on hands, I am in cash."),
    C("Powell speaks 13:00 ET. Expect IV to stay bid until then. NFP Friday."),
    C("Market closed for Thanksgiving, back Friday with a half day."),
    C("Risk-off tape: yields up, dollar up. OK to sit out, no FOMO. ATH talk is noise."),
    C("The CEO interview moved EPS estimates; watch VWAP, EMA 9 and RSI on the 5m."),
    # -- emoji and bullet lists ---------------------------------------------------------------
    C(
        "🔥 $NVDA\n• Entry: 945-948\n• 🎯 960\n• 🛑 938",
        S("NVDA", "bullish", E(945, 948), T(960), X(938)),
    ),
    C(
        "Today's watchlist 📋\n\n$AAPL 🟢\n- buy above 228\n- PT 232\n\n"
        "$TSLA 🔴\n- short below 238\n- SL 242",
        S("AAPL", "bullish", E(228), T(232)),
        S("TSLA", "bearish", E(238), X(242)),
    ),
    C(
        "META\n- support 575\n- resistance 592\n- bias: neutral until earnings",
        S("META", "neutral", SU(575), R(592)),
    ),
    C(
        "1. $AMD long above 160 PT 166\n2. $MU short below 95 PT 90\n3. $AVGO no trade",
        S("AMD", "bullish", E(160), T(166)),
        S("MU", "bearish", E(95), T(90)),
        S("AVGO"),
    ),
    C(
        "📈 $QQQ bullish 🚀\n➡️ entry 505\n➡️ targets 510, 515\n➡️ stop 501",
        S("QQQ", "bullish", E(505), T(510), T(515), X(501)),
    ),
    # -- ranges --------------------------------------------------------------------------------
    C("$NVDA buy zone $940-945, PT $960", S("NVDA", "bullish", E(940, 945), T(960))),
    C("$AAPL support 220 \u2013 222", S("AAPL", "neutral", SU(220, 222))),
    C(
        "$TSLA resistance 245\u2013248, support 236 to 238",
        S("TSLA", "neutral", R(245, 248), SU(236, 238)),
    ),
    C("$SPY demand 580-582, supply 592-594", S("SPY", "neutral", SU(580, 582), R(592, 594))),
    # -- above / below ---------------------------------------------------------------------------
    C(
        "$IWM above 226 I'm long, below 222 I'm out",
        S("IWM", "bullish", E(226), E(222)),
    ),
    C("$DIS over 112 looks good for 118", S("DIS", "bullish", E(112), T(118))),
    C("$NFLX under 700 it's a short to 680", S("NFLX", "bearish", E(700), T(680))),
    # -- lowercase tickers after $ -----------------------------------------------------------
    C("$pltr long 41, pt 44, sl 39.5", S("PLTR", "bullish", E(41), T(44), X(39.5))),
    C("$amd and $nvda both bullish", S("AMD"), S("NVDA", "bullish")),
    C("$hood short 24.5 tp 22", S("HOOD", "bearish", E(24.5), T(22))),
    # -- words that look like tickers --------------------------------------------------------------
    C(
        "I think the CEO nailed it. EPS beat, IV crush incoming. $ATH is not a ticker I trade.",
        S("ATH"),
    ),
    C(
        "PT and SL are set. TP at the PDH, stop under PDL. ITM calls only on $AAPL",
        S("AAPL", "bullish"),
    ),
    C(
        "A quick note: DD on $A (Agilent) done, buy above 140, PT 150",
        S("A", "bullish", E(140), T(150)),
    ),
    C("OTM puts on SPY are cheap; ATM straddle costs 9", S("SPY", "bearish")),
    C(
        "$GOOGL reclaim of 175 is key. EMA 20 at 172, SMA 200 at 160. RSI 58.",
        S("GOOGL", "bullish", E(175)),
    ),
    C("NEW HIGH on $AVGO! Trailing stop 180", S("AVGO", "neutral", X(180))),
    # -- mixed longer plans -----------------------------------------------------------------------
    C(
        "Morning plan:\nSPY bullish above 588, PT 592, SL 585.\n"
        "QQQ bearish below 503, PT 498, SL 506.\n\nNo trades into FOMC at 2 PM ET.",
        S("SPY", "bullish", E(588), T(592), X(585)),
        S("QQQ", "bearish", E(503), T(498), X(506)),
    ),
    C(
        "Weekly swing list:\n$CRM long 305-310, target 330, stop 295\n"
        "$ORCL resistance 175, support 165\n$LULU bearish, puts below 300",
        S("CRM", "bullish", E(305, 310), T(330), X(295)),
        S("ORCL", "neutral", R(175), SU(165)),
        S("LULU", "bearish", E(300)),
    ),
    C(
        "$NVDA 945 support, 960 resistance. Calls above 960 for 975.",
        S("NVDA", "bullish", SU(945), R(960), E(960), T(975)),
    ),
    C(
        "Gap up on $TSLA. Short the gap fill: entry 250, T1 244, T2 240, SL 254",
        S("TSLA", "bearish", E(250), T(244), T(240), X(254)),
    ),
    C(
        "VIX spiking above 20, SPX puts below 5,750 PT 5,700",
        S("VIX", "bullish", E(20)),
        S("SPX", "bearish", E(5750), T(5700)),
    ),
    C(
        "$MSFT price target 450 by Jan, holding shares, stop 400",
        S("MSFT", "neutral", T(450), X(400)),
    ),
    C(
        "Scalp $SPY 0DTE: long 586.50, take profit 588, stop 585.75",
        S("SPY", "bullish", E(586.50), T(588), X(585.75)),
    ),
]


@dataclass(frozen=True)
class Scores:
    ticker_precision: float
    ticker_recall: float
    ticker_f1: float
    bias_accuracy: float
    level_precision: float
    level_recall: float
    level_f1: float


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _same_level(a: Level, b: Level) -> bool:
    def close(x: float | None, y: float | None) -> bool:
        if x is None or y is None:
            return x is y
        return math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12)

    return a.kind is b.kind and close(a.low, b.low) and close(a.high, b.high)


def _matched_levels(want: tuple[Level, ...], got: tuple[Level, ...]) -> int:
    """Size of the multiset intersection (each found level matches at most one expected)."""
    left = list(got)
    hits = 0
    for level in want:
        for index, candidate in enumerate(left):
            if _same_level(level, candidate):
                del left[index]
                hits += 1
                break
    return hits


def score(cases: list[Case], predicted: list[tuple[Signal, ...]]) -> Scores:
    """Tickers: precision/recall/F1 over (plan, ticker) pairs. Bias: share of expected signals
    found with the right bias. Levels: precision/recall/F1 over (plan, ticker, level), so a
    level given to a wrong ticker counts both as found-wrong and as missed."""
    tp = fp = fn = bias_ok = matched = found_levels = wanted_levels = 0
    for case, found in zip(cases, predicted, strict=True):
        got = {signal.ticker: signal for signal in found}
        want = {signal.ticker: signal for signal in case.expected}
        tp += len(got.keys() & want.keys())
        fp += len(got.keys() - want.keys())
        fn += len(want.keys() - got.keys())
        found_levels += sum(len(signal.levels) for signal in found)
        wanted_levels += sum(len(signal.levels) for signal in case.expected)
        for ticker, signal in want.items():
            mine = got.get(ticker)
            if mine is not None:
                bias_ok += mine.bias is signal.bias
                matched += _matched_levels(signal.levels, mine.levels)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    level_precision = matched / found_levels if found_levels else 1.0
    level_recall = matched / wanted_levels if wanted_levels else 1.0
    expected = sum(len(case.expected) for case in cases)
    return Scores(
        precision,
        recall,
        _f1(precision, recall),
        bias_ok / expected if expected else 1.0,
        level_precision,
        level_recall,
        _f1(level_precision, level_recall),
    )
