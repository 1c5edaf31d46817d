import { useTranslation } from 'react-i18next';
import { useCapture } from './capture-store';
import { contractVersion } from './schema-form/json-schema';

/** Which contract to capture: title, version and what it is for. */
export function ContractPicker() {
  const { t } = useTranslation('capture');
  const { contracts, contractRef, selectContract, contractsError } = useCapture();
  const current = contracts.find((c) => c.contract === contractRef);
  if (contractsError)
    return (
      <p className="error" role="alert">
        {t('contract.loadError', { error: contractsError })}
      </p>
    );
  if (contracts.length === 0) return <p className="muted">{t('contract.none')}</p>;
  return (
    <div className="contract-picker">
      <label>
        {t('contract.label')}
        <select value={contractRef ?? ''} onChange={(e) => void selectContract(e.target.value)}>
          {contracts.map((c) => (
            <option key={c.contract} value={c.contract}>
              {t('contract.option', { title: c.title, version: contractVersion(c.contract) })}
            </option>
          ))}
        </select>
      </label>
      {current && (
        <div className="contract-about">
          <div>
            <strong>{current.title}</strong>{' '}
            <span className="badge badge-version">{t('contract.version', { version: contractVersion(current.contract) })}</span>{' '}
            <span className="muted mono small">{current.contract}</span>
          </div>
          {current.description && <p className="muted">{current.description}</p>}
        </div>
      )}
    </div>
  );
}
