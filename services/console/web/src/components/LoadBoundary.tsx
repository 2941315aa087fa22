// What a screen shows when its code cannot be loaded: after a new version of the
// console was deployed, a page opened before asks for files that are gone. Without
// this boundary React would unmount the whole app and leave a blank page.
import { Component, type ReactNode } from "react";
import { useTranslation } from "react-i18next";

function LoadFailed() {
  const { t } = useTranslation();
  return (
    <div className="state state-error" role="alert">
      <p>{t("state.loadFailed")}</p>
      <button type="button" onClick={() => window.location.reload()}>
        {t("state.reload")}
      </button>
    </div>
  );
}

export class LoadBoundary extends Component<{ children: ReactNode }, { failed: boolean }> {
  state = { failed: false };

  static getDerivedStateFromError() {
    return { failed: true };
  }

  render() {
    return this.state.failed ? <LoadFailed /> : this.props.children;
  }
}
