// Dealer: the cart becomes an order. One Idempotency-Key per submission, kept until
// the cart changes: a double click, or a retry after a lost answer, places one order.
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate } from "react-router";
import { orders } from "../api/client";
import { fieldMessage, otherMessages } from "../api/problem";
import { useCart } from "../cart";
import { Empty } from "../components/States";
import { useAction } from "../components/useAction";

type Priority = "stock" | "emergency";

export function CartPage() {
  const { t } = useTranslation();
  const cart = useCart();
  const navigate = useNavigate();
  const [priority, setPriority] = useState<Priority>("stock");
  // A changed cart is a new submission, with a new Idempotency-Key.
  const { busy, problem, run } = useAction();

  async function place(event: FormEvent) {
    event.preventDefault();
    const body = {
      priority,
      lines: cart.lines.map((l) => ({ part_number: l.part_number, qty: l.qty })),
    };
    const placed = await run(body, (key) =>
      orders.POST("/api/v1/orders", { body, params: { header: { "Idempotency-Key": key } } }),
    );
    if (placed) {
      cart.clear();
      void navigate(`/orders/${placed.id}`);
    }
  }

  if (cart.lines.length === 0) {
    return (
      <section aria-labelledby="cart-title">
        <h1 id="cart-title">{t("cart.title")}</h1>
        <Empty message={t("cart.empty")} />
        <Link to="/parts">{t("nav.parts")}</Link>
      </section>
    );
  }

  const shown = cart.lines.flatMap((_, i) => [`lines[${i}].qty`, `lines[${i}].part_number`]).concat(["priority"]);
  const others = otherMessages(problem, shown);
  return (
    <section aria-labelledby="cart-title">
      <h1 id="cart-title">{t("cart.title")}</h1>
      <form onSubmit={(e) => void place(e)} noValidate>
        <table>
          <thead>
            <tr>
              <th scope="col">{t("parts.partNumber")}</th>
              <th scope="col">{t("parts.description")}</th>
              <th scope="col">{t("parts.quantity")}</th>
              <th scope="col"><span className="visually-hidden">{t("cart.remove")}</span></th>
            </tr>
          </thead>
          <tbody>
            {cart.lines.map((line, i) => {
              const partError = fieldMessage(problem, `lines[${i}].part_number`);
              const qtyError = fieldMessage(problem, `lines[${i}].qty`);
              const errorId = `line-${i}-error`;
              return (
                <tr key={line.part_number}>
                  <td>
                    {line.part_number}
                    {partError && <p className="field-error" id={`${errorId}-part`}>{partError}</p>}
                  </td>
                  <td>{line.description}</td>
                  <td>
                    <input
                      type="number"
                      className="qty"
                      min={1}
                      value={line.qty}
                      aria-label={t("cart.qty_label", { part: line.part_number })}
                      aria-invalid={qtyError ? true : undefined}
                      aria-describedby={qtyError ? errorId : undefined}
                      onChange={(e) => cart.setQty(line.part_number, Number(e.target.value))}
                    />
                    {qtyError && <p className="field-error" id={errorId}>{qtyError}</p>}
                  </td>
                  <td>
                    <button
                      type="button"
                      aria-label={t("cart.remove_label", { part: line.part_number })}
                      onClick={() => cart.remove(line.part_number)}
                    >
                      {t("cart.remove")}
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        <fieldset>
          <legend>{t("cart.priority")}</legend>
          {(["stock", "emergency"] as const).map((p) => (
            <label key={p} className="radio">
              <input type="radio" name="priority" value={p} checked={priority === p} onChange={() => setPriority(p)} />
              {t(`cart.${p}`)}
            </label>
          ))}
          {fieldMessage(problem, "priority") && <p className="field-error">{fieldMessage(problem, "priority")}</p>}
        </fieldset>
        {problem && (
          <div role="alert" className="state-error">
            <p>{problem.detail ?? t("cart.failed")}</p>
            {others.length > 0 && (
              <ul>
                {others.map((m) => (
                  <li key={m}>{m}</li>
                ))}
              </ul>
            )}
          </div>
        )}
        <button type="submit" className="primary" disabled={busy} aria-busy={busy}>
          {busy ? t("cart.placing") : t("cart.place")}
        </button>
      </form>
    </section>
  );
}
