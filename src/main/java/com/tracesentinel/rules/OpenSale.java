package com.tracesentinel.rules;

/**
 * An open sale the code's history holds and its state does not: the latest one not undone at a RETURN's site, asked
 * for only when {@link Ladder#asksHistory} says the state cannot name it.
 *
 * @param sale  where and when it was sold
 * @param split it was a split-pack (拆零) sale
 */
public record OpenSale(ScanRef sale, boolean split) {}
