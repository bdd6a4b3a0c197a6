// On a phone the sidebar covers the page; Streamlit leaves it open after a page link is tapped (issue 28).
// Mounted once per page in the sidebar (ui.live_views.phone_nav): one click listener per browser tab, which folds
// the sidebar away after a tap on one of its links when the screen is narrow (Streamlit's own mobile width).
const NARROW = "(max-width: 767.98px)";
const FOLD = '[data-testid="stSidebarCollapseButton"] button';

export default function (component) {
  component.parentElement.setAttribute("data-kdviz-phone-nav", "1");
  if (window.__kdvizPhoneNav) return;
  window.__kdvizPhoneNav = true;
  document.addEventListener("click", (event) => {
    const link = event.target.closest && event.target.closest('[data-testid="stSidebar"] a');
    if (!link || !window.matchMedia(NARROW).matches) return;
    setTimeout(() => {
      const fold = document.querySelector(FOLD);
      if (fold) fold.click();
    }, 0);
  }, true);
}
