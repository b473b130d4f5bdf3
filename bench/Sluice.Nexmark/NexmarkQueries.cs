namespace Sluice.Nexmark;

/// <summary>
/// The Nexmark queries in RisingWave's dialect, exactly as the acceptance workload runs them. q9 and q14–q22 are the
/// texts of RisingWave's <c>ci/scripts/sql/nexmark/qN.sql</c> with only these changes: the <c>CREATE SINK … AS</c>
/// head, the <c>WITH (connector = 'blackhole' …)</c> tail, the IDE comments and q15's <c>SET</c> lines are dropped
/// (q14's UDF column is commented out there too). q11 is not in RisingWave's set (it has no session windows): it is
/// Flink's q11 with <c>GROUP BY SESSION(…)</c> and <c>SESSION_START/END</c> written as Sluice's SESSION table function.
/// </summary>
public static class NexmarkQueries
{
    public const string Q0 = "SELECT auction, bidder, price, date_time FROM bid";

    public const string Q1 = "SELECT auction, bidder, 0.908 * price as price, date_time FROM bid";

    public const string Q2 = "SELECT auction, price FROM bid WHERE auction = 1007 OR auction = 1020 OR auction = 2001 OR auction = 2019 OR auction = 2087";

    public const string Q3 = "SELECT P.name, P.city, P.state, A.id FROM auction AS A INNER JOIN person AS P on A.seller = P.id WHERE A.category = 10 and (P.state = 'or' OR P.state = 'id' OR P.state = 'ca')";

    public const string Q4 = "SELECT Q.category, AVG(Q.final) as avg FROM (SELECT MAX(B.price) AS final, A.category FROM auction A, bid B WHERE A.id = B.auction AND B.date_time BETWEEN A.date_time AND A.expires GROUP BY A.id, A.category) Q GROUP BY Q.category";

    public const string Q5 = "SELECT AuctionBids.auction, AuctionBids.num FROM (SELECT bid.auction, count(*) AS num, window_start AS starttime FROM HOP(bid, date_time, INTERVAL '2' SECOND, INTERVAL '10' SECOND) GROUP BY window_start, bid.auction) AS AuctionBids JOIN (SELECT max(CountBids.num) AS maxn, CountBids.starttime_c FROM (SELECT count(*) AS num, window_start AS starttime_c FROM HOP(bid, date_time, INTERVAL '2' SECOND, INTERVAL '10' SECOND) GROUP BY bid.auction, window_start) AS CountBids GROUP BY CountBids.starttime_c) AS MaxBids ON AuctionBids.starttime = MaxBids.starttime_c AND AuctionBids.num >= MaxBids.maxn";

    public const string Q7 = "SELECT B.auction, B.price, B.bidder, B.date_time FROM bid B JOIN (SELECT MAX(price) AS maxprice, window_end as date_time FROM TUMBLE(bid, date_time, INTERVAL '10' SECOND) GROUP BY window_end) B1 ON B.price = B1.maxprice WHERE B.date_time BETWEEN B1.date_time - INTERVAL '10' SECOND AND B1.date_time";

    public const string Q8 = "SELECT P.id, P.name, P.starttime FROM (SELECT id, name, window_start AS starttime, window_end AS endtime FROM TUMBLE(person, date_time, INTERVAL '10' SECOND) GROUP BY id, name, window_start, window_end) P JOIN (SELECT seller, window_start AS starttime, window_end AS endtime FROM TUMBLE(auction, date_time, INTERVAL '10' SECOND) GROUP BY seller, window_start, window_end) A ON P.id = A.seller AND P.starttime = A.starttime AND P.endtime = A.endtime";

    public const string Q9 = """
        SELECT id,
               item_name,
               description,
               initial_bid,
               reserve,
               date_time,
               expires,
               seller,
               category,
               auction,
               bidder,
               price,
               bid_date_time
        FROM (SELECT A.*,
                     B.auction,
                     B.bidder,
                     B.price,
                     B.date_time                                                                  AS bid_date_time,
                     ROW_NUMBER() OVER (PARTITION BY A.id ORDER BY B.price DESC, B.date_time ASC) AS rownum
              FROM auction A,
                   bid B
              WHERE A.id = B.auction
                AND B.date_time BETWEEN A.date_time AND A.expires) tmp
        WHERE rownum <= 1
        """;

    public const string Q11 = """
        SELECT B.bidder, count(*) as bid_count, window_start as starttime, window_end as endtime
        FROM SESSION(bid, date_time, INTERVAL '10' SECOND) B
        GROUP BY B.bidder, window_start, window_end
        """;

    /// <summary>
    /// q12 (processing-time windows): RisingWave's text reads <c>TUMBLE(bid, p_time, …)</c> where its <c>bid</c> table
    /// declares <c>p_time</c> as <c>PROCTIME()</c>; Sluice's streams have no computed columns, so the column is added
    /// in a subquery, as Flink's q12 does (<c>(SELECT *, PROCTIME() AS p_time FROM bid)</c>).
    /// </summary>
    public const string Q12 = """
        SELECT bidder, count(*) as bid_count, window_start, window_end
        FROM TUMBLE((SELECT *, PROCTIME() AS p_time FROM bid), p_time, INTERVAL '10' SECOND)
        GROUP BY bidder, window_start, window_end
        """;

    public const string Q14 = """
        SELECT auction,
               bidder,
               0.908 * price as price,
               CASE
                   WHEN
                               extract(hour from date_time) >= 8 AND
                               extract(hour from date_time) <= 18
                       THEN 'dayTime'
                   WHEN
                               extract(hour from date_time) <= 6 OR
                               extract(hour from date_time) >= 20
                       THEN 'nightTime'
                   ELSE 'otherTime'
                   END       AS bidTimeType,
               date_time
               -- extra
               -- TODO: count_char is an UDF, add it back when we support similar functionality.
               -- https://github.com/nexmark/nexmark/blob/master/nexmark-flink/src/main/java/com/github/nexmark/flink/udf/CountChar.java
               -- count_char(extra, 'c') AS c_counts
        FROM bid
        WHERE 0.908 * price > 1000000
          AND 0.908 * price < 50000000
        """;

    public const string Q15 = """
        SELECT to_char(date_time, 'YYYY-MM-DD')                                          as "day",
               count(*)                                                                  AS total_bids,
               count(*) filter (where price < 10000)                                     AS rank1_bids,
               count(*) filter (where price >= 10000 and price < 1000000)                AS rank2_bids,
               count(*) filter (where price >= 1000000)                                  AS rank3_bids,
               count(distinct bidder)                                                    AS total_bidders,
               count(distinct bidder) filter (where price < 10000)                       AS rank1_bidders,
               count(distinct bidder) filter (where price >= 10000 and price < 1000000)  AS rank2_bidders,
               count(distinct bidder) filter (where price >= 1000000)                    AS rank3_bidders,
               count(distinct auction)                                                   AS total_auctions,
               count(distinct auction) filter (where price < 10000)                      AS rank1_auctions,
               count(distinct auction) filter (where price >= 10000 and price < 1000000) AS rank2_auctions,
               count(distinct auction) filter (where price >= 1000000)                   AS rank3_auctions
        FROM bid
        GROUP BY to_char(date_time, 'YYYY-MM-DD')
        """;

    public const string Q16 = """
        SELECT channel,
               to_char(date_time, 'YYYY-MM-DD')                                          as "day",
               max(to_char(date_time, 'HH:mm'))                                          as "minute",
               count(*)                                                                  AS total_bids,
               count(*) filter (where price < 10000)                                     AS rank1_bids,
               count(*) filter (where price >= 10000 and price < 1000000)                AS rank2_bids,
               count(*) filter (where price >= 1000000)                                  AS rank3_bids,
               count(distinct bidder)                                                    AS total_bidders,
               count(distinct bidder) filter (where price < 10000)                       AS rank1_bidders,
               count(distinct bidder) filter (where price >= 10000 and price < 1000000)  AS rank2_bidders,
               count(distinct bidder) filter (where price >= 1000000)                    AS rank3_bidders,
               count(distinct auction)                                                   AS total_auctions,
               count(distinct auction) filter (where price < 10000)                      AS rank1_auctions,
               count(distinct auction) filter (where price >= 10000 and price < 1000000) AS rank2_auctions,
               count(distinct auction) filter (where price >= 1000000)                   AS rank3_auctions
        FROM bid
        GROUP BY to_char(date_time, 'YYYY-MM-DD'), channel
        """;

    public const string Q17 = """
        SELECT auction,
               to_char(date_time, 'YYYY-MM-DD')                           AS day,
               count(*)                                                   AS total_bids,
               count(*) filter (where price < 10000)                      AS rank1_bids,
               count(*) filter (where price >= 10000 and price < 1000000) AS rank2_bids,
               count(*) filter (where price >= 1000000)                   AS rank3_bids,
               min(price)                                                 AS min_price,
               max(price)                                                 AS max_price,
               avg(price)                                                 AS avg_price,
               sum(price)                                                 AS sum_price
        FROM bid
        GROUP BY auction, to_char(date_time, 'YYYY-MM-DD')
        """;

    public const string Q18 = """
        SELECT auction, bidder, price, channel, url, date_time
        FROM (SELECT *,
                     ROW_NUMBER() OVER (
                         PARTITION BY bidder, auction
                         ORDER BY date_time DESC
                         ) AS rank_number
              FROM bid)
        WHERE rank_number <= 1
        """;

    public const string Q19 = """
        SELECT *
        FROM (SELECT *,
                     ROW_NUMBER() OVER (
                         PARTITION BY auction
                         ORDER BY price DESC
                     ) AS rank_number
              FROM bid)
        WHERE rank_number <= 10
        """;

    public const string Q20 = """
        SELECT auction,
               bidder,
               price,
               channel,
               url,
               B.date_time as bid_date_time,
               B.extra     as bid_extra,
               item_name,
               description,
               initial_bid,
               reserve,
               A.date_time as auction_date_time,
               expires,
               seller,
               category,
               A.extra     as auction_extra
        FROM bid AS B
                 INNER JOIN auction AS A on B.auction = A.id
        WHERE A.category = 10
        """;

    public const string Q21 = """
        SELECT auction,
               bidder,
               price,
               channel,
               CASE
                   WHEN LOWER(channel) = 'apple' THEN '0'
                   WHEN LOWER(channel) = 'google' THEN '1'
                   WHEN LOWER(channel) = 'facebook' THEN '2'
                   WHEN LOWER(channel) = 'baidu' THEN '3'
                   ELSE (regexp_match(url, '(&|^)channel_id=([^&]*)'))[2]
                   END
                   AS channel_id
        FROM bid
        WHERE (regexp_match(url, '(&|^)channel_id=([^&]*)'))[2] is not null
           or LOWER(channel) in ('apple', 'google', 'facebook', 'baidu')
        """;

    public const string Q22 = """
        SELECT auction,
               bidder,
               price,
               channel,
               split_part(url, '/', 4) as dir1,
               split_part(url, '/', 5) as dir2,
               split_part(url, '/', 6) as dir3
        FROM bid
        """;

    /// <summary>Query name (q0 … q22) → SQL text.</summary>
    public static readonly IReadOnlyDictionary<string, string> All = new Dictionary<string, string>
    {
        ["q0"] = Q0,
        ["q1"] = Q1,
        ["q2"] = Q2,
        ["q3"] = Q3,
        ["q4"] = Q4,
        ["q5"] = Q5,
        ["q7"] = Q7,
        ["q8"] = Q8,
        ["q9"] = Q9,
        ["q11"] = Q11,
        ["q12"] = Q12,
        ["q14"] = Q14,
        ["q15"] = Q15,
        ["q16"] = Q16,
        ["q17"] = Q17,
        ["q18"] = Q18,
        ["q19"] = Q19,
        ["q20"] = Q20,
        ["q21"] = Q21,
        ["q22"] = Q22,
    };
}
