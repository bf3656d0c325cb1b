// The report page's one enhancement: a button that copies the remediation policy. Without
// JavaScript the button stays hidden and the policy is plain selectable text.
document.addEventListener("DOMContentLoaded", () => {
  const button = document.getElementById("copy-policy");
  const policy = document.getElementById("policy-document");
  if (!button || !policy || !navigator.clipboard) {
    return;
  }
  button.hidden = false;
  button.addEventListener("click", () => {
    navigator.clipboard.writeText(policy.textContent).then(
      () => { button.textContent = "Copied"; },
      () => { button.textContent = "Select the policy above and copy it"; },
    );
  });
});

// The organization grid's filters, instant: the same filters the form sends as a query (which
// works without JavaScript) applied to the rows and columns already on the page.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("coverage-filters");
  if (!form) {
    return;
  }
  const apply = () => {
    const gapsOnly = form.elements.gaps.checked;
    const status = form.elements.status.value;
    const region = form.elements.region.value;
    document.querySelectorAll("#coverage [data-region]").forEach((cell) => {
      cell.hidden = region !== "" && cell.dataset.region !== region;
    });
    document.querySelectorAll("#coverage tr[data-statuses]").forEach((row) => {
      const cells = [...row.querySelectorAll("td[data-status]")].filter((cell) => !cell.hidden);
      const statuses = cells.map((cell) => cell.dataset.status);
      const gap = statuses.some((s) => s !== "flowing");
      row.hidden = (gapsOnly && !gap) || (status !== "" && !statuses.includes(status));
    });
  };
  form.addEventListener("change", apply);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    apply();
  });
});
