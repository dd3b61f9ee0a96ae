"""Tuning plans: the same real-world styles as ``held_out.py`` (conventions there), written
beside the reworked parser. Together with ``signal_corpus.CORPUS`` this is the part the
parser may be tuned on."""

from __future__ import annotations

from signal_corpus import SU, C, Case, E, R, S, T, X

TUNING: list[Case] = [
    C(
        "MES plan\nL > 6001.25\nT 6010 / 6018.5\nS 5995\n\nMNQ\nSh < 21,480\nT 21,420\nS 21,515",
        S("MES", "bullish", E(6001.25), T(6010), T(6018.5), X(5995)),
        S("MNQ", "bearish", E(21480), T(21420), X(21515)),
    ),
    C(
        "BTC 65.5k support. Long 66k-66.4k, tgt 68.9k, stop 64.9k.",
        S("BTC-USD", "bullish", SU(65500), E(66000, 66400), T(68900), X(64900)),
    ),
    C(
        "$ETH: short from 2,480-2,495, SL 2,540, TP 2,400 then 2,350. Funding flipped positive.",
        S("ETH-USD", "bearish", E(2480, 2495), X(2540), T(2400), T(2350)),
    ),
    C(
        "ALL CAPS TODAY BECAUSE I'M FIRED UP\n"
        "NVDA ABOVE 148 I AM LONG INTO 152. LOSE 145 AND I'M OUT.\n"
        "DON'T CHASE THE OPEN. WAIT FOR THE FIRST PULLBACK INTO VWAP.",
        S("NVDA", "bullish", E(148), T(152), X(145)),
    ),
    C(
        "ES ranges: 5912-18 resistance, 5874-79 support. Neutral, trade the edges.",
        S("ES", "neutral", R(5912, 5918), SU(5874, 5879)),
    ),
    C(
        "QQQ 479-80 support, 486-87 resistance.",
        S("QQQ", "neutral", SU(479, 480), R(486, 487)),
    ),
    C(
        "Gold: /GC long 2,704 stop 2,692 target 2,735. GOLD miners (GDX) lag.",
        S("GC", "bullish", E(2704), X(2692), T(2735)),
        S("GDX"),
    ),
    C(
        "$TGT lost the 130 floor on earnings, which is now resistance. "
        "Puts under 127, target 121, stop 131.5.",
        S("TGT", "bearish", R(130), E(127), T(121), X(131.5)),
    ),
    C(
        "Short thesis on $CVNA: rejected at 262 twice. Short 255, stop 266, targets 240 then 228.",
        S("CVNA", "bearish", R(262), E(255), X(266), T(240), T(228)),
    ),
    C(
        "SOL, LINK, DOGE all look toppy. Fading SOL into 210, stop 219, tp 190.",
        S("SOL-USD", "bearish", E(210), X(219), T(190)),
        S("LINK-USD"),
        S("DOGE-USD"),
    ),
    C(
        "lean long $AMZN over 214. targets 218, 222. stop 211.",
        S("AMZN", "bullish", E(214), T(218), T(222), X(211)),
    ),
    C(
        "No bias on SPY today. Range 596-603: 603 resistance, 596 support.",
        S("SPY", "neutral", R(603), SU(596)),
    ),
    C(
        "🐻 $NKE under 71.20 → 69.50 / 68. Stop 72.40\n🐂 $DKNG over 44 → 46.5. Stop 42.9",
        S("NKE", "bearish", E(71.20), T(69.50), T(68), X(72.40)),
        S("DKNG", "bullish", E(44), T(46.5), X(42.9)),
    ),
    C(
        "AAPL\nholding 225 shelf\nlid 231\nplan: calls over 228, tgt 231, stop 225.4",
        S("AAPL", "bullish", SU(225), R(231), E(228), T(231), X(225.4)),
    ),
    C(
        "SPX 2022 low was 3,491; not relevant now. Today SPX support 5,930, resistance 5,990. "
        "Bias up while above 5,930.",
        S("SPX", "bullish", SU(5930), R(5990), E(5930)),
    ),
    C(
        "XRPUSDT long 2.31 sl 2.22 tp 2.52\nAVAXUSDT short 41.8 sl 43.1 tp 38.9",
        S("XRP-USD", "bullish", E(2.31), X(2.22), T(2.52)),
        S("AVAX-USD", "bearish", E(41.8), X(43.1), T(38.9)),
    ),
    C(
        "MARA and RIOT follow BTC. BTC over 101k = MARA long over 24, target 26, stop 23.1.",
        S("MARA", "bullish", E(24), T(26), X(23.1)),
        S("RIOT"),
        S("BTC-USD", "neutral", E(101000)),
    ),
    C(
        "CL: buying the 68.40 floor, stop 67.90, target 69.80.\nNG: skip.",
        S("CL", "bullish", E(68.40), X(67.90), T(69.80)),
        S("NG"),
    ),
    C(
        "Watching $ARM and $SMCI for earnings gaps. EPS est 0.26 for ARM. No levels yet.",
        S("ARM"),
        S("SMCI"),
    ),
    C(
        "IWM puts 220p 12/6 below 224.5. PT 221. Stop 226. It's 10:15, give it till 11:00.",
        S("IWM", "bearish", E(224.5), T(221), X(226)),
    ),
    C(
        "TSLA ($TSLA) plan B: if 400 breaks, short to 385 with a stop at 407. "
        "Plan A stays long over 412, target 425.",
        S("TSLA", "bullish", E(400), T(385), X(407), E(412), T(425)),
    ),
    C(
        "THIS IS THE LEVEL: SPY 590. ABOVE IT I'M LONG INTO 595, BELOW IT NOTHING.",
        S("SPY", "bullish", T(595)),
    ),
    C(
        "Crypto majors:\n$BTC 88,500-89,000 demand, 93,200 supply\n$ETH 3,050 floor, 3,210 lid",
        S("BTC-USD", "neutral", SU(88500, 89000), R(93200)),
        S("ETH-USD", "neutral", SU(3050), R(3210)),
    ),
    C(
        "GOOGL buy 172-174, add 169, stop 166, targets 182 & 188.",
        S("GOOGL", "bullish", E(172, 174), E(169), X(166), T(182), T(188)),
    ),
    C(
        "NQ ONH 21,310 / ONL 21,190. Fading the ONH, stop 21,345, target 21,220.",
        S("NQ", "bearish", R(21310), SU(21190), X(21345), T(21220)),
    ),
    C(
        "Earnings play $CRM: long above 345 post-print, T 356 / 362, S 338. Up 5% premarket.",
        S("CRM", "bullish", E(345), T(356), T(362), X(338)),
    ),
    C(
        "Too choppy, I'm out for the day. Nothing to see in SPY or QQQ.",
        S("SPY"),
        S("QQQ"),
    ),
    C(
        "DOGE 0.305 support. Long on a hold, stop 0.289, target 0.35.",
        S("DOGE-USD", "bullish", SU(0.305), X(0.289), T(0.35)),
    ),
    C(
        "PEPE breaking out. Long 0.0000188, stop 0.0000172, target 0.0000225.",
        S("PEPE-USD", "bullish", E(0.0000188), X(0.0000172), T(0.0000225)),
    ),
    C(
        "ZN: skip, bond prices in 32nds are a mess. 6E long 1.0520, stop 1.0490, target 1.0590.",
        S("ZN"),
        S("6E", "bullish", E(1.0520), X(1.0490), T(1.0590)),
    ),
    C(
        "$PYPL swing: own it over 86 on a weekly close; stop 81; targets 93 then 99.",
        S("PYPL", "bullish", E(86), X(81), T(93), T(99)),
    ),
    C(
        "CVS: no bias until earnings. Key support 54.20 and resistance 58.75.",
        S("CVS", "neutral", SU(54.20), R(58.75)),
    ),
    C(
        "$HIMS - rejected at 48.5, fading it. Short 47, stop 49.2, tgt 43.",
        S("HIMS", "bearish", R(48.5), E(47), X(49.2), T(43)),
    ),
    C(
        "BTC-USD weekly: R1 104.2k, R2 108k; S1 96.5k, S2 92k. Lean long above S1.",
        S("BTC-USD", "bullish", R(104200), R(108000), SU(96500), SU(92000)),
    ),
    C(
        "SQL in chat again? SELECT * FROM plans WHERE coach = 'x'. Anyway: $ROKU long 78, "
        "stop 75, target 85.",
        S("ROKU", "bullish", E(78), X(75), T(85)),
    ),
]
