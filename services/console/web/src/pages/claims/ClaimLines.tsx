// A claim's priced parts and labor lines with their totals, as the preview and the
// stored claim both answer them.
import { useTranslation } from "react-i18next";
import type { components } from "../../api/schema/inspection";
import { formatMoney, formatNumber } from "../../i18n/format";

type Schemas = components["schemas"];

export function ClaimLines({
  parts,
  labor,
  amounts,
}: {
  parts: Schemas["PartLineView"][];
  labor: Schemas["LaborLineView"][];
  amounts: Schemas["AmountsView"];
}) {
  const { t } = useTranslation();
  const currency = amounts.currency;
  return (
    <>
      <table>
        <caption className="visually-hidden">{t("claims.parts")}</caption>
        <thead>
          <tr>
            <th scope="col">{t("claims.partNumber")}</th>
            <th scope="col" className="num">{t("claims.qty")}</th>
            <th scope="col" className="num">{t("claims.unitPrice")}</th>
            <th scope="col" className="num">{t("claims.amount")}</th>
          </tr>
        </thead>
        <tbody>
          {parts.map((l) => (
            <tr key={l.line_no}>
              <td>{l.part_number}</td>
              <td className="num">{formatNumber(l.qty)}</td>
              <td className="num">{formatMoney(l.unit_price, l.currency)}</td>
              <td className="num">{formatMoney(l.amount, l.currency)}</td>
            </tr>
          ))}
          <tr>
            <th scope="row" colSpan={3}>{t("claims.partsTotal")}</th>
            <td className="num strong">{formatMoney(amounts.parts, currency)}</td>
          </tr>
        </tbody>
      </table>
      <table>
        <caption className="visually-hidden">{t("claims.labor")}</caption>
        <thead>
          <tr>
            <th scope="col">{t("claims.operation")}</th>
            <th scope="col" className="num">{t("claims.claimedHours")}</th>
            <th scope="col" className="num">{t("claims.standardHours")}</th>
            <th scope="col" className="num">{t("claims.paidHours")}</th>
            <th scope="col" className="num">{t("claims.rate")}</th>
            <th scope="col" className="num">{t("claims.amount")}</th>
          </tr>
        </thead>
        <tbody>
          {labor.map((l) => (
            <tr key={l.line_no}>
              <td>{l.operation_code}</td>
              <td className="num">{formatNumber(Number(l.claimed_hours))}</td>
              <td className="num">{formatNumber(Number(l.standard_hours))}</td>
              <td className="num">{formatNumber(Number(l.paid_hours))}</td>
              <td className="num">{formatMoney(l.rate, currency)}</td>
              <td className="num">{formatMoney(l.amount, currency)}</td>
            </tr>
          ))}
          <tr>
            <th scope="row" colSpan={5}>{t("claims.laborTotal")}</th>
            <td className="num strong">{formatMoney(amounts.labor, currency)}</td>
          </tr>
        </tbody>
      </table>
    </>
  );
}
